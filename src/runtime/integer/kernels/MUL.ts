import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfEven,
  shiftRound,
} from '../fixed-point.js';
import { binaryKernel, exponentOf } from './common/binary.js';

/**
 * affine (TFLite reference): z_out + MultiplyByQuantizedMultiplier((qa - za)(qb - zb), s_a s_b / s_out).
 * pow2: the product is at 2^(ea+eb); one shift to the output's exponent.
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
    const k = exponentOf(cx, out, 'output') - exponentOf(cx, a, 'input 0') - exponentOf(cx, b, 'input 1');
    const rounding = cx.arith.rounding;
    return (qa, qb) => shiftRound((qa - a.zeroPoint) * (qb - b.zeroPoint), k, rounding) + out.zeroPoint;
  },
});
