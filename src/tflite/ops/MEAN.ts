import {
  multiplyByQuantizedMultiplier,
  pow2Averager,
  quantizeMultiplier,
  roundHalfEven,
} from '../../runtime/integer/fixed-point.js';
import { reduceKernel } from '../../runtime/integer/kernels/common/reduce.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { REDUCER_OPTIONS } from './common/options.js';
import { int16Int8 } from './common/version.js';

/**
 * Mean over the axes of input 1, from the int32 sum of the stored q over n elements.
 * affine litert (XNNPACK): sum (s_x / s_y) / n + (z_y - z_x s_x / s_y), in float32, rounded half to even.
 * affine reference (TFLite reference_integer_ops::Mean): Σ(q - z_x) rescaled by s_x / s_y, then divided by n
 * half away from zero. pow2: Σ(q - z_x) (s_x / s_y) / n with the scheme's rounding (`pow2Averager`). float32
 * (a float island, as in a LayerNormalization): the sum over n.
 */
const kernel = reduceKernel(
  'MEAN',
  (cx, x, y, n) => {
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
      const ratio = Math.fround(x.scale / y.scale);
      const scale = Math.fround(ratio / n);
      const bias = Math.fround(Math.fround(-x.zeroPoint * ratio) + y.zeroPoint);
      return (sum) => roundHalfEven(Math.fround(Math.fround(Math.fround(sum) * scale) + bias));
    }
    const offset = n * x.zeroPoint;
    if (cx.arith.scheme === 'affine') {
      const m = quantizeMultiplier(x.scale / y.scale);
      const half = Math.floor(n / 2);
      return (sum) => {
        const v = multiplyByQuantizedMultiplier(sum - offset, m.multiplier, m.shift);
        return Math.trunc(v > 0 ? (v + half) / n : (v - half) / n) + y.zeroPoint;
      };
    }
    const average = pow2Averager(x.scale / y.scale, n, cx.arith.rounding);
    return (sum) => average(sum - offset) + y.zeroPoint;
  },
  (sum, n) => sum / n,
);

export const MEAN = defineBuiltin({
  name: 'MEAN',
  options: REDUCER_OPTIONS,
  version: int16Int8,
  int8: calibrated,
  kernel,
});
