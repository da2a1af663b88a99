import { attrInt } from '../../../ir/attrs.js';
import { divideRound, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfEven } from '../fixed-point.js';
import type { IntegerKernel } from '../types.js';
import { exponentOf } from './common/binary.js';
import { constantInts, inputParams, KernelError, outputParams, requireDtype, sizeOf } from './common/params.js';

/**
 * Mean over the axes of input 1: the int32 sum of q - z_x over n elements, rescaled to the output (affine
 * as below, pow2 by 2^(e_x - e_y) / n with the scheme's rounding).
 */
export const MEAN: IntegerKernel = {
  opType: 'MEAN',
  prepare(cx) {
    const x = requireDtype(cx, 0, 'int8');
    const rank = x.shape.length;
    const axes = new Set(constantInts(cx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)));
    if ([...axes].some((a) => a < 0 || a >= rank)) throw new KernelError(cx, `axes out of range for rank ${rank}`);
    const keep = attrInt(cx.node, 'keep_dims', 0) !== 0;
    const shape = keep ? x.shape.map((d, i) => (axes.has(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.has(i));
    const n = x.shape.reduce((p, d, i) => (axes.has(i) ? p * d : p), 1);
    const outStride = outStrides(x.shape, axes);
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const total = sizeOf(shape);
    const acc = new Int32Array(total);
    let finish: (sum: number) => number;
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
      // XNNPACK (LiteRT's path): the sum times s_x / (s_y n) in float32, rounded half to even.
      const scale = Math.fround(xq.scale / Math.fround(yq.scale * n));
      finish = (sum) => roundHalfEven(Math.fround(Math.fround(sum) * scale)) + yq.zeroPoint;
    } else if (cx.arith.scheme === 'affine') {
      // TFLite reference_integer_ops::Mean: rescale by s_x / s_y, then divide by n, half away from zero.
      const m = quantizeMultiplier(xq.scale / yq.scale);
      const half = Math.floor(n / 2);
      finish = (sum) => {
        const v = multiplyByQuantizedMultiplier(sum, m.multiplier, m.shift);
        return Math.trunc(v > 0 ? (v + half) / n : (v - half) / n) + yq.zeroPoint;
      };
    } else {
      const shift = exponentOf(cx, xq, 'input') - exponentOf(cx, yq, 'output');
      const rounding = cx.arith.rounding;
      finish = (sum) =>
        (shift >= 0 ? divideRound(sum * 2 ** shift, n, rounding) : divideRound(sum, n * 2 ** -shift, rounding)) +
        yq.zeroPoint;
    }
    return {
      outputs: [{ dtype: 'int8', shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        acc.fill(0);
        sumInto(src, x.shape, outStride, acc);
        for (let i = 0; i < total; i++) {
          const v = finish(acc[i]! - n * xq.zeroPoint);
          dst[i] = v < -128 ? -128 : v > 127 ? 127 : v;
        }
      },
    };
  },
};

/** Per input axis, the step in the output's flat index (0 on reduced axes). */
function outStrides(shape: number[], axes: Set<number>): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (axes.has(i)) continue;
    strides[i] = acc;
    acc *= shape[i]!;
  }
  return strides;
}

function sumInto(src: Int8Array, shape: number[], outStride: number[], acc: Int32Array): void {
  const rank = shape.length;
  if (rank === 0) {
    acc[0] = src[0]!;
    return;
  }
  const inner = shape[rank - 1]!;
  const step = outStride[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let out = 0;
  for (let i = 0; i < src.length; i += inner) {
    for (let j = 0, o = out; j < inner; j++, o += step) acc[o] = acc[o]! + src[i + j]!;
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      out += outStride[d]!;
      if (index[d]! < shape[d]!) break;
      out -= outStride[d]! * index[d]!;
      index[d] = 0;
    }
  }
}
