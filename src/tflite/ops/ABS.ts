import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../runtime/integer/fixed-point.js';
import { realFunctionEntry } from '../../runtime/integer/kernels/common/transcendental.js';
import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/**
 * |x|; int8 (version 2). affine, as TFLite's AbsEvalQuantized: |q - z_x| rescaled by s_x / s_y in fixed
 * point (MultiplyByQuantizedMultiplier) plus z_y. pow2: the exact value rounded by the scheme's rule.
 */
const kernel = unaryKernel(
  'ABS',
  (cx, x, y) => {
    if (cx.arith.scheme !== 'affine') return realFunctionEntry(cx, x, y, Math.abs, Math.abs);
    const m = quantizeMultiplier(x.scale / y.scale);
    return (q) =>
      multiplyByQuantizedMultiplier(Math.abs(q - x.zeroPoint), m.multiplier, m.shift) + y.zeroPoint;
  },
  Math.abs,
);

export const ABS = defineBuiltin({
  name: 'ABS',
  options: optionsTable('AbsOptions'),
  version: first([(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
  int8: calibrated,
  kernel,
});
