import {
  multiplyByQuantizedMultiplier,
  pow2Scaler,
  quantizeMultiplier,
  roundHalfEven,
} from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import type { Scalar } from './params.js';
import type { Int8Function } from './unary.js';

/**
 * An int8 value re-expressed with other parameters (QUANTIZE int8 -> int8, CONCATENATION inputs).
 * affine reference: TFLite Requantize, z_y + MultiplyByQuantizedMultiplier(q - z_x, s_x / s_y), the ratio
 * in double. affine litert: XNNPACK's convert, an 8-bit multiplier m = rne(256 s_x / s_y),
 * ((q - z_x) m + 128) >> 8, + z_y. pow2: a shift by log2(s_y / s_x) (`pow2Scaler`).
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
  const scale = pow2Scaler(x.scale / y.scale, cx.arith.rounding);
  return (q) => scale(q - x.zeroPoint) + y.zeroPoint;
}
