import { exactLog2, multiplyByQuantizedMultiplier, quantizeMultiplier, shiftRound } from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import { KernelError, type Scalar } from './params.js';
import type { Int8Function } from './unary.js';

/**
 * An int8 value re-expressed with other parameters. affine: TFLite Requantize,
 * z_y + MultiplyByQuantizedMultiplier(q - z_x, s_x / s_y) (double ratio). pow2: a shift by log2(s_y / s_x).
 */
export function requantizeFunction(cx: KernelContext, x: Scalar, y: Scalar): Int8Function {
  if (x.scale === y.scale && x.zeroPoint === y.zeroPoint) return (q) => q;
  if (cx.arith.scheme === 'affine') {
    const m = quantizeMultiplier(x.scale / y.scale);
    return (q) => multiplyByQuantizedMultiplier(q - x.zeroPoint, m.multiplier, m.shift) + y.zeroPoint;
  }
  const k = exactLog2(y.scale / x.scale);
  if (k === undefined) throw new KernelError(cx, `scale ratio ${y.scale / x.scale} is not a power of two (pow2)`);
  const rounding = cx.arith.rounding;
  return (q) => shiftRound(q - x.zeroPoint, k, rounding) + y.zeroPoint;
}

/** pow2 rounding of a real number to an integer: floor, or half up. */
export const roundPow2 = (v: number, rounding: 'floor' | 'nearest'): number =>
  rounding === 'nearest' ? Math.floor(v + 0.5) : Math.floor(v);
