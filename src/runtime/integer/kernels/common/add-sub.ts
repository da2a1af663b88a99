import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfEven,
  roundReal,
  type Rounding,
} from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import type { BinaryParams, PairFunction } from './binary.js';

/** TFLite int8 ADD/SUB: inputs moved to 2^20 times a common scale, summed, rescaled to the output. */
const LEFT_SHIFT = 20;

/** a + sign b in the scheme's arithmetic (sign -1 for SUB). */
export function addSubPair(cx: KernelContext, p: BinaryParams, sign: 1 | -1): PairFunction {
  if (cx.arith.scheme === 'pow2') return pow2Pair(p, sign, cx.arith.rounding);
  return cx.arith.affineKernels === 'litert' ? xnnpackPair(p, sign) : affinePair(p, sign);
}

/**
 * XNNPACK's int8 add (LiteRT's path; SUB is an add with the second scale negated): multipliers
 * s / s_out in float32 scaled by 2^shift so that the larger lies in [2^20, 2^21), rounded half to even;
 * (bias + a m_a + b m_b) >> shift with bias 2^(shift-1), + z_out.
 */
function xnnpackPair({ a, b, out }: BinaryParams, sign: 1 | -1): PairFunction {
  const ra = Math.fround(a.scale / out.scale);
  const rb = Math.fround(b.scale / out.scale);
  const exponent = Math.floor(Math.log2(Math.max(ra, rb)));
  const shift = 20 - exponent;
  const ma = roundHalfEven(ra * 2 ** shift);
  const mb = sign * roundHalfEven(rb * 2 ** shift);
  const rounding = 2 ** (shift - 1);
  return (qa, qb) =>
    Math.floor((rounding + (qa - a.zeroPoint) * ma + (qb - b.zeroPoint) * mb) / 2 ** shift) + out.zeroPoint;
}

function affinePair({ a, b, out }: BinaryParams, sign: 1 | -1): PairFunction {
  const twiceMax = 2 * Math.max(a.scale, b.scale);
  const ma = quantizeMultiplier(a.scale / twiceMax);
  const mb = quantizeMultiplier(b.scale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / Math.fround(2 ** LEFT_SHIFT * out.scale));
  const scaled = (q: number, z: number, m: typeof ma) =>
    multiplyByQuantizedMultiplier((q - z) * 2 ** LEFT_SHIFT, m.multiplier, m.shift);
  return (qa, qb) => {
    const raw = scaled(qa, a.zeroPoint, ma) + sign * scaled(qb, b.zeroPoint, mb);
    return multiplyByQuantizedMultiplier(raw | 0, mo.multiplier, mo.shift) + out.zeroPoint;
  };
}

/**
 * DESIGN.md pow2: both inputs shifted to the finer exponent (exact), summed, shifted to the output's:
 * floor((A 2^i + B 2^j) / 2^k) = floor(A s_a / s_out + B s_b / s_out), which is also how an operand off the
 * activations' grid (a constant with its own power-of-two scale) is rescaled, exactly, then rounded.
 */
function pow2Pair({ a, b, out }: BinaryParams, sign: 1 | -1, rounding: Rounding): PairFunction {
  const ra = a.scale / out.scale;
  const rb = (sign * b.scale) / out.scale;
  return (qa, qb) => roundReal((qa - a.zeroPoint) * ra + (qb - b.zeroPoint) * rb, rounding) + out.zeroPoint;
}
