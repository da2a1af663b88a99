import { roundHalfAway } from '../../runtime/integer/fixed-point.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import {
  applyTable,
  inputParams,
  int8Table,
  KernelError,
  outputParams,
  requireDtype,
} from '../../runtime/integer/kernels/common/params.js';
import { requantizeFunction } from '../../runtime/integer/kernels/common/requantize.js';
import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { first, inp, is, out } from './common/version.js';

/**
 * float32 -> int8: clamp(round(x / s) + z), round half away from zero, x / s in float32 (TFLite
 * AffineQuantize; for pow2 the division by 2^e is exact, DESIGN.md's q = round(x * input_scale)).
 * int8 -> int8: a requantization, looked up from a 256-entry table.
 */
const kernel: IntegerKernel = {
  opType: 'QUANTIZE',
  prepare(cx) {
    const x = requireDtype(cx, 0, 'float32', 'int8');
    if (cx.outputs[0]?.dtype && cx.outputs[0].dtype !== 'int8')
      throw new KernelError(cx, `output is ${cx.outputs[0].dtype}; only int8 is supported`);
    const y = outputParams(cx, 0);
    const outputs = [{ dtype: 'int8' as const, shape: [...x.shape] }];
    if (x.dtype === 'int8') {
      const table = int8Table(requantizeFunction(cx, inputParams(cx, 0), y));
      return {
        outputs,
        lookup: { unary: table, input: 0 },
        run: ([input], [output]) => applyTable(table, input!, output!),
      };
    }
    const element = (x: number) => {
      const v = roundHalfAway(Math.fround(x / y.scale)) + y.zeroPoint;
      return v < -128 ? -128 : v > 127 ? 127 : v;
    };
    return {
      outputs,
      lookup: { element, input: 0 },
      run([input], [output]) {
        const src = input as Float32Array;
        const dst = output as Int8Array;
        for (let i = 0; i < src.length; i++) dst[i] = element(src[i]!);
      },
    };
  },
};

export const QUANTIZE = defineBuiltin({
  name: 'QUANTIZE',
  floorShift: 'exact',
  options: optionsTable('QuantizeOptions'),
  version: first(
    [(s) => is(inp(s, 0), 'INT4') || is(out(s, 0), 'INT4'), 4],
    [(s) => out(s, 0).scales > 1, 3],
    [(s) => is(out(s, 0), 'INT16'), 2],
  ),
  kernel,
});
