import { attrInt } from '../../../../ir/attrs.js';
import type { IntegerKernel } from '../../types.js';
import { constantInts, inputParams, KernelError, outputParams, requireDtype, sizeOf } from './params.js';
import { outStrides } from './reduce.js';

/**
 * REDUCE_MAX / REDUCE_MIN: the stored value picked by `better` over the axes of input 1 (keep_dims
 * option). int8 input and output share their parameters (the TFLite int8 spec), so picking stored values
 * is the answer; float32 picks floats.
 */
export function pickReduceKernel(opType: string, better: (a: number, b: number) => boolean): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const x = requireDtype(cx, 0, 'int8', 'float32');
      if (x.dtype === 'int8') {
        const [a, b] = [inputParams(cx, 0), outputParams(cx, 0, 0)];
        if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)
          throw new KernelError(cx, "int8 output parameters must equal the input's");
      }
      const rank = x.shape.length;
      const axes = new Set(constantInts(cx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)));
      const keep = attrInt(cx.node, 'keep_dims', 0) !== 0;
      const shape = keep
        ? x.shape.map((d, i) => (axes.has(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.has(i));
      const strides = outStrides(x.shape, axes);
      const total = sizeOf(shape);
      return {
        outputs: [{ dtype: x.dtype, shape }],
        run([input], [output]) {
          const [src, dst] = [input as Int8Array | Float32Array, output as Int8Array | Float32Array];
          const seen = new Uint8Array(total);
          const index = new Array<number>(rank).fill(0);
          for (let i = 0; i < src.length; i++) {
            let o = 0;
            for (let d = 0; d < rank; d++) o += index[d]! * strides[d]!;
            if (!seen[o] || better(src[i]!, dst[o]!)) [dst[o], seen[o]] = [src[i]!, 1];
            for (let d = rank - 1; d >= 0 && ++index[d]! === x.shape[d]; d--) index[d] = 0;
          }
        },
      };
    },
  };
}
