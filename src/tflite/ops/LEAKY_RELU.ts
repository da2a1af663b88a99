import { attrFloat } from '../../ir/attrs.js';
import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundReal,
} from '../../runtime/integer/fixed-point.js';
import { q8Function } from '../../runtime/integer/kernels/common/requantize.js';
import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/**
 * affine litert: XNNPACK's two 8-bit multipliers. affine reference: q - z_x >= 0 rescaled by s_x / s_y, else by alpha s_x / s_y, each a
 * fixed-point multiplier from float32 ratios. pow2: the real function, rounded by the scheme's rule.
 */
const kernel = unaryKernel('LEAKY_RELU', (cx, x, y) => {
  const alpha = Math.fround(attrFloat(cx.node, 'alpha', 0.2));
  if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
    // XNNPACK (LiteRT's path): 8-bit multipliers for each slope.
    const ratio = Math.fround(x.scale / y.scale);
    const positive = q8Function(x, y, ratio);
    const negative = q8Function(x, y, Math.fround(alpha * ratio));
    return (q) => (q >= x.zeroPoint ? positive(q) : negative(q));
  }
  if (cx.arith.scheme === 'affine') {
    const identity = quantizeMultiplier(Math.fround(x.scale / y.scale));
    const slope = quantizeMultiplier(Math.fround(Math.fround(x.scale * alpha) / y.scale));
    return (q) => {
      const v = q - x.zeroPoint;
      const m = v >= 0 ? identity : slope;
      return y.zeroPoint + multiplyByQuantizedMultiplier(v, m.multiplier, m.shift);
    };
  }
  const rounding = cx.arith.rounding;
  return (q) => {
    const v = (q - x.zeroPoint) * x.scale;
    return y.zeroPoint + roundReal((v >= 0 ? v : alpha * v) / y.scale, rounding);
  };
});

export const LEAKY_RELU = defineBuiltin({
  name: 'LEAKY_RELU',
  positivelyHomogeneous: true,
  floorShift: 'table',
  options: optionsTable('LeakyReluOptions', [field('alpha', 'float')]),
  version: first([(s) => is(inp(s, 0), 'INT16'), 2]),
  int8: calibrated,
  kernel,
});
