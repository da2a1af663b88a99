import {
  multiplyByQuantizedMultiplier,
  pow2Scaler,
  quantizeMultiplier,
  roundHalfEven,
} from '../fixed-point.js';
import { binaryKernel } from './common/binary.js';

/**
 * affine (TFLite reference): z_out + MultiplyByQuantizedMultiplier((qa - za)(qb - zb), s_a s_b / s_out).
 * pow2: the product is at s_a s_b; one shift to the output's scale (`pow2Scaler`: exact where that is not
 * a power of two, as for two activations under an input_scale that is not one).
 */
export const MUL = binaryKernel({
  opType: 'MUL',
  float32: (a, b) => a * b,
  int8: (cx, { a, b, out }) => {
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
      // XNNPACK (LiteRT's path): (float) product times s_a s_b / s_out in float32, rounded half to even.
      const scale = Math.fround(Math.fround(a.scale * b.scale) / out.scale);
      return (qa, qb) =>
        roundHalfEven(Math.fround((qa - a.zeroPoint) * (qb - b.zeroPoint) * scale)) + out.zeroPoint;
    }
    if (cx.arith.scheme === 'affine') {
      const m = quantizeMultiplier((a.scale * b.scale) / out.scale);
      return (qa, qb) =>
        multiplyByQuantizedMultiplier((qa - a.zeroPoint) * (qb - b.zeroPoint), m.multiplier, m.shift) +
        out.zeroPoint;
    }
    const scale = pow2Scaler((a.scale * b.scale) / out.scale, cx.arith.rounding);
    return (qa, qb) => scale((qa - a.zeroPoint) * (qb - b.zeroPoint)) + out.zeroPoint;
  },
});
