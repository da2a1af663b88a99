import {
  multiplyByQuantizedMultiplier,
  pow2Scaler,
  quantizeMultiplier,
  roundHalfEven,
} from '../../runtime/integer/fixed-point.js';
import { reduceKernel } from '../../runtime/integer/kernels/common/reduce.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { REDUCER_OPTIONS } from './common/options.js';
import { first, inp, is } from './common/version.js';

/**
 * Sum over the axes of input 1, from the int32 sum of the stored q over n elements.
 * affine litert (XNNPACK): sum s_x / s_y + (z_y - n z_x s_x / s_y), in float32, rounded half to even.
 * affine reference: z_y + MultiplyByQuantizedMultiplier(Σ(q - z_x), s_x / s_y).
 * pow2: Σ(q - z_x) shifted by e_y - e_x with the scheme's rounding.
 */
const kernel = reduceKernel('SUM', (cx, x, y, n) => {
  const offset = n * x.zeroPoint;
  if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
    const scale = Math.fround(x.scale / y.scale);
    const bias = Math.fround(Math.fround(-offset * scale) + y.zeroPoint);
    return (sum) => roundHalfEven(Math.fround(Math.fround(Math.fround(sum) * scale) + bias));
  }
  if (cx.arith.scheme === 'affine') {
    const m = quantizeMultiplier(x.scale / y.scale);
    return (sum) => multiplyByQuantizedMultiplier(sum - offset, m.multiplier, m.shift) + y.zeroPoint;
  }
  const scale = pow2Scaler(x.scale / y.scale, cx.arith.rounding);
  return (sum) => scale(sum - offset) + y.zeroPoint;
});

export const SUM = defineBuiltin({
  name: 'SUM',
  options: REDUCER_OPTIONS,
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: calibrated,
  kernel,
});
