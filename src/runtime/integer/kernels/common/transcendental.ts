import { roundHalfAway, roundReal } from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import type { Scalar } from './params.js';
import type { Int8Function } from './unary.js';

/**
 * A table entry for a real function of the input. affine follows TFLite's int8 lookup table (LUTPopulate):
 * dequantize, transform and rescale in float32, round half away from zero. pow2 evaluates the function
 * exactly and rounds by the scheme's rule. `f32` is the function as float32 code computes it.
 */
export function realFunctionEntry(
  cx: KernelContext,
  x: Scalar,
  y: Scalar,
  exact: (v: number) => number,
  f32: (v: number) => number,
): Int8Function {
  if (cx.arith.scheme === 'affine') {
    const inverse = Math.fround(1 / y.scale);
    return (q) => {
      const v = Math.fround(x.scale * (q - x.zeroPoint));
      return roundHalfAway(Math.fround(f32(v) * inverse)) + y.zeroPoint;
    };
  }
  const rounding = cx.arith.rounding;
  return (q) => roundReal(exact((q - x.zeroPoint) * x.scale) / y.scale, rounding) + y.zeroPoint;
}
