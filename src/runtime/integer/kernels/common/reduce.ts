import { attrInt } from '../../../../ir/attrs.js';
import type { IntegerKernel, KernelContext, PreparedKernel } from '../../types.js';
import {
  constantInts,
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
  sizeOf,
  type Scalar,
} from './params.js';

/** Turns the int32 sum of the raw q over n elements into the output's int8 (before clamping). */
export type ReduceFinish = (cx: KernelContext, x: Scalar, y: Scalar, n: number) => (sum: number) => number;

/**
 * A reduction over the axes of input 1 (keep_dims option): int32 sums of the stored q, then `finish`.
 * `float32` finishes a float sum of n elements, for the float islands of a converted graph.
 */
export function reduceKernel(
  opType: string,
  finishOf: ReduceFinish,
  float32?: (sum: number, n: number) => number,
): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const x = requireDtype(cx, 0, 'int8', ...(float32 ? ['float32'] : []));
      const rank = x.shape.length;
      const axes = new Set(constantInts(cx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)));
      if ([...axes].some((a) => a < 0 || a >= rank))
        throw new KernelError(cx, `axes out of range for rank ${rank}`);
      const keep = attrInt(cx.node, 'keep_dims', 0) !== 0;
      const shape = keep
        ? x.shape.map((d, i) => (axes.has(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.has(i));
      const n = x.shape.reduce((p, d, i) => (axes.has(i) ? p * d : p), 1);
      const outStride = outStrides(x.shape, axes);
      if (x.dtype === 'float32') return floatReduce(x.shape, shape, n, outStride, float32!);
      const xq = inputParams(cx, 0);
      const finish = finishOf(cx, xq, outputParams(cx, 0), n);
      const total = sizeOf(shape);
      const acc = new Int32Array(total);
      return {
        outputs: [{ dtype: 'int8', shape }],
        run([input], [output]) {
          const dst = output as Int8Array;
          acc.fill(0);
          sumInto(input as Int8Array, x.shape, outStride, acc);
          for (let i = 0; i < total; i++) {
            const v = finish(acc[i]!);
            dst[i] = v < -128 ? -128 : v > 127 ? 127 : v;
          }
        },
      };
    },
  };
}

/** Per input axis, the step in the output's flat index (0 on reduced axes). */
export function outStrides(shape: number[], axes: Set<number>): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (axes.has(i)) continue;
    strides[i] = acc;
    acc *= shape[i]!;
  }
  return strides;
}

function floatReduce(
  inShape: number[],
  shape: number[],
  n: number,
  outStride: number[],
  finish: (sum: number, n: number) => number,
): PreparedKernel {
  const acc = new Float64Array(sizeOf(shape));
  return {
    outputs: [{ dtype: 'float32', shape }],
    run([input], [output]) {
      acc.fill(0);
      sumInto(input as Float32Array, inShape, outStride, acc);
      const dst = output as Float32Array;
      for (let i = 0; i < acc.length; i++) dst[i] = finish(acc[i]!, n);
    },
  };
}

function sumInto(
  src: Int8Array | Float32Array,
  shape: number[],
  outStride: number[],
  acc: Int32Array | Float64Array,
): void {
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
