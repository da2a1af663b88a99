import type { IntegerKernel } from '../../runtime/integer/types.js';
import { inputParams, requireDtype } from '../../runtime/integer/kernels/common/params.js';
import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** int8 -> float32: s (q - z), in float32 (TFLite Dequantize). */
const kernel: IntegerKernel = {
  opType: 'DEQUANTIZE',
  prepare(cx) {
    const x = requireDtype(cx, 0, 'int8');
    const p = inputParams(cx, 0);
    const table = new Float32Array(256);
    for (let q = -128; q < 128; q++) table[q + 128] = Math.fround(p.scale * (q - p.zeroPoint));
    return {
      outputs: [{ dtype: 'float32', shape: [...x.shape] }],
      lookup: { unary: table, input: 0 },
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Float32Array;
        for (let i = 0; i < src.length; i++) dst[i] = table[src[i]! + 128]!;
      },
    };
  },
};

export const DEQUANTIZE = defineBuiltin({
  name: 'DEQUANTIZE',
  floorShift: 'exact',
  options: optionsTable('DequantizeOptions'),
  version: first(
    [(s) => is(inp(s, 0), 'INT4'), 6],
    [(s) => is(inp(s, 0), 'INT16', 'FLOAT16'), 3],
    [(s) => is(inp(s, 0), 'INT8') && inp(s, 0).scales > 1, 5],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  kernel,
});
