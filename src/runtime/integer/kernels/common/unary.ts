import type { IntegerKernel, KernelContext } from '../../types.js';
import { applyTable, inputParams, int8Table, outputParams, requireDtype, type Scalar } from './params.js';

/** The int8 output for one int8 input, unclamped (the table clamps to int8). */
export type Int8Function = (q: number) => number;

/**
 * An int8 -> int8 op on per-tensor parameters is a function of 256 inputs: `prepare` evaluates the
 * scheme's arithmetic for each and `run` looks the answers up, which is the same numbers, faster.
 */
export function unaryKernel(
  opType: string,
  entry: (cx: KernelContext, x: Scalar, y: Scalar) => Int8Function,
): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const x = requireDtype(cx, 0, 'int8');
      const table = int8Table(entry(cx, inputParams(cx, 0), outputParams(cx, 0, 0)));
      return {
        outputs: [{ dtype: 'int8', shape: [...x.shape] }],
        run([input], [output]) {
          applyTable(table, input!, output!);
        },
      };
    },
  };
}
