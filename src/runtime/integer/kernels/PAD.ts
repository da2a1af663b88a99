import type { IntegerKernel } from '../types.js';
import { constantInts, KernelError, outputParams, sizeOf } from './common/params.js';

/** Pads with the real value 0, i.e. the output's zero point for int8 (TFLite quantized PAD). */
export const PAD: IntegerKernel = {
  opType: 'PAD',
  prepare(cx) {
    const x = cx.inputs[0]!;
    const rank = x.shape.length;
    const pads = constantInts(cx, 1, 'paddings');
    if (pads.length !== 2 * rank || pads.some((p) => p < 0))
      throw new KernelError(cx, `paddings [${pads}] do not fit rank ${rank} (non-negative [rank, 2])`);
    const before = Array.from({ length: rank }, (_, i) => pads[2 * i]!);
    const shape = x.shape.map((d, i) => d + before[i]! + pads[2 * i + 1]!);
    const fill = x.dtype === 'int8' ? outputParams(cx, 0, 0).zeroPoint : 0;
    const outStride = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) outStride[i] = outStride[i + 1]! * shape[i + 1]!;
    const inner = rank ? x.shape[rank - 1]! : 1;
    const rows = sizeOf(x.shape) / (inner || 1);
    return {
      outputs: [{ dtype: x.dtype, shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        dst.fill(fill);
        const index = new Array<number>(rank).fill(0);
        for (let r = 0; r < rows; r++) {
          let to = 0;
          for (let d = 0; d < rank; d++) to += (index[d]! + before[d]!) * outStride[d]!;
          dst.set(src.subarray(r * inner, (r + 1) * inner), to);
          for (let d = rank - 2; d >= 0; d--) {
            if (++index[d]! < x.shape[d]!) break;
            index[d] = 0;
          }
        }
      },
    };
  },
};
