import {
  exactLog2,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfEven,
  shiftRound,
} from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import { KernelError, type Scalar } from './params.js';
import type { Int8Function } from './unary.js';

/**
 * An int8 value re-expressed with other parameters (QUANTIZE int8 -> int8, CONCATENATION inputs).
 * affine reference: TFLite Requantize, z_y + MultiplyByQuantizedMultiplier(q - z_x, s_x / s_y), the ratio
 * in double. affine litert: XNNPACK's convert, an 8-bit multiplier m = rne(256 s_x / s_y),
 * ((q - z_x) m + 128) >> 8, + z_y. pow2: a shift by log2(s_y / s_x).
 */
export function requantizeFunction(cx: KernelContext, x: Scalar, y: Scalar): Int8Function {
  if (x.scale === y.scale && x.zeroPoint === y.zeroPoint) return (q) => q;
  if (cx.arith.scheme === 'pow2') return pow2Requantize(cx, x, y);
  if (cx.arith.affineKernels === 'litert') return q8Function(x, y, Math.fround(x.scale / y.scale));
  const m = quantizeMultiplier(x.scale / y.scale);
  return (q) => multiplyByQuantizedMultiplier(q - x.zeroPoint, m.multiplier, m.shift) + y.zeroPoint;
}

/** XNNPACK's 8-bit-multiplier rescale of q - z_x by `ratio` (convert, leaky ReLU). */
export function q8Function(x: Scalar, y: Scalar, ratio: number): Int8Function {
  const m = roundHalfEven(Math.fround(256 * ratio));
  return (q) => Math.floor(((q - x.zeroPoint) * m + 128) / 256) + y.zeroPoint;
}

/** TFLite QuantizedReluX's rescale: the ratio s_x / s_y in float32, as a fixed-point multiplier. */
export function reluRescale(cx: KernelContext, x: Scalar, y: Scalar): Int8Function {
  if (cx.arith.scheme === 'pow2') return pow2Requantize(cx, x, y);
  const m = quantizeMultiplier(Math.fround(x.scale / y.scale));
  return (q) => multiplyByQuantizedMultiplier(q - x.zeroPoint, m.multiplier, m.shift) + y.zeroPoint;
}

function pow2Requantize(cx: KernelContext, x: Scalar, y: Scalar): Int8Function {
  const k = exactLog2(y.scale / x.scale);
  if (k === undefined)
    throw new KernelError(cx, `scale ratio ${y.scale / x.scale} is not a power of two (pow2)`);
  const rounding = cx.arith.rounding;
  return (q) => shiftRound(q - x.zeroPoint, k, rounding) + y.zeroPoint;
}

/** pow2 rounding of a real number to an integer: floor, or half up. */
export const roundPow2 = (v: number, rounding: 'floor' | 'nearest'): number =>
  rounding === 'nearest' ? Math.floor(v + 0.5) : Math.floor(v);
