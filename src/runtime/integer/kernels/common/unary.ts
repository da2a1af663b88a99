import type { IntegerKernel, KernelContext, PreparedKernel } from '../../types.js';
import { applyTable, inputParams, int8Table, outputParams, requireDtype, type Scalar } from './params.js';

/** The int8 output for one int8 input, unclamped (the table clamps to int8). */
export type Int8Function = (q: number) => number;

/**
 * An int8 -> int8 op on per-tensor parameters is a function of 256 inputs: `prepare` evaluates the
 * scheme's arithmetic for each and `run` looks the answers up, which is the same numbers, faster.
 * `float32` is the op on float32 tensors, for the float islands a converted graph keeps between
 * DEQUANTIZE and QUANTIZE (each result the float32 rounding of the exact value, as IEEE code gives it).
 */
export function unaryKernel(
  opType: string,
  entry: ((cx: KernelContext, x: Scalar, y: Scalar) => Int8Function) | undefined,
  float32?: (v: number) => number,
): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const x = requireDtype(cx, 0, ...(entry ? ['int8'] : []), ...(float32 ? ['float32'] : []));
      if (x.dtype === 'float32') return floatUnary(x.shape, float32!);
      const table = int8Table(entry!(cx, inputParams(cx, 0), outputParams(cx, 0, 0)));
      return {
        outputs: [{ dtype: 'int8', shape: [...x.shape] }],
        lookup: { unary: table, input: 0 },
        run([input], [output]) {
          applyTable(table, input!, output!);
        },
      };
    },
  };
}

function floatUnary(shape: readonly number[], f: (v: number) => number): PreparedKernel {
  return {
    outputs: [{ dtype: 'float32', shape: [...shape] }],
    run([input], [output]) {
      const [src, dst] = [input as Float32Array, output as Float32Array];
      for (let i = 0; i < src.length; i++) dst[i] = f(src[i]!);
    },
  };
}
