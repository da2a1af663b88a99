import { realFunctionEntry } from '../../runtime/integer/kernels/common/transcendental.js';
import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { first, inp, is } from './common/version.js';

const rsqrt = (v: number) => 1 / Math.sqrt(v);

/**
 * 1 / sqrt(x) (the normalizations' reciprocal standard deviation). int8 (version 2) is a lookup table over
 * the 256 inputs on the calibrated output parameters, as TFLite's elementwise RsqrtEvalQuantized.
 */
export const RSQRT = defineBuiltin({
  name: 'RSQRT',
  options: null,
  version: first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: calibrated,
  kernel: unaryKernel(
    'RSQRT',
    (cx, x, y) => realFunctionEntry(cx, x, y, rsqrt, (v) => Math.fround(1 / Math.fround(Math.sqrt(v)))),
    (v) => 1 / Math.sqrt(v),
  ),
});
