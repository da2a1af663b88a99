import {
  multiplyByQuantizedMultiplier,
  pow2Averager,
  quantizeMultiplier,
  roundHalfEven,
} from '../fixed-point.js';
import { reduceKernel } from './common/reduce.js';

/**
 * Mean over the axes of input 1, from the int32 sum of the stored q over n elements.
 * affine litert (XNNPACK): sum (s_x / s_y) / n + (z_y - z_x s_x / s_y), in float32, rounded half to even.
 * affine reference (TFLite reference_integer_ops::Mean): Σ(q - z_x) rescaled by s_x / s_y, then divided by n
 * half away from zero. pow2: Σ(q - z_x) (s_x / s_y) / n with the scheme's rounding (`pow2Averager`).
 */
export const MEAN = reduceKernel('MEAN', (cx, x, y, n) => {
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
});
