import { realFunctionEntry } from '../../runtime/integer/kernels/common/transcendental.js';
import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** e^x; int8 is TFLite's lookup table on the calibrated output parameters. */
export const EXP = defineBuiltin({
  name: 'EXP',
  options: optionsTable('ExpOptions'),
  version: first([(s) => is(inp(s, 0), 'INT8', 'INT16'), 2]),
  int8: calibrated,
  kernel: unaryKernel(
    'EXP',
    (cx, x, y) => realFunctionEntry(cx, x, y, Math.exp, (v) => Math.fround(Math.exp(v))),
    Math.exp,
  ),
});
