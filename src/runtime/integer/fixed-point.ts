/**
 * The two rescaling arithmetics, on plain numbers holding int32 values.
 *
 * affine: TFLite's reference requantization. A real multiplier M > 0 is held as a Q31 fixed-point value
 * m in [2^30, 2^31) and an exponent e with M = m 2^(e-31); an int32 x is rescaled as
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x 2^max(e,0), m), max(-e,0)) (gemmlowp's
 * documented semantics: the high-mul rounds to nearest with ties up, the divide by 2^n to nearest with
 * ties away from zero).
 *
 * pow2: the original hardware's shift, x >> k, truncating ('floor'), rounding half up ('nearest') or half
 * to even ('even').
 */

const TWO_31 = 2147483648;
const TWO_30 = 1073741824;
const INT32_MAX = 2147483647;

export interface FixedMultiplier {
  /** Q31 mantissa in [2^30, 2^31), or 0 for a zero multiplier. */
  multiplier: number;
  /** Power-of-two exponent: the real value is multiplier * 2^(shift - 31). */
  shift: number;
}

/** std::round: to nearest, ties away from zero. */
export const roundHalfAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

/** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 to an integer, half to even. */
const MAGIC = 6755399441055744;

/** lrintf / the magic-number rounding of float kernels: to nearest, ties to even. */
export function roundHalfEven(v: number): number {
  if (v < 2251799813685248 && v > -2251799813685248) return v + MAGIC - MAGIC;
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A real multiplier as Q31 mantissa and exponent (TFLite QuantizeMultiplier: frexp, then round). */
export function quantizeMultiplier(real: number): FixedMultiplier {
  if (real === 0 || !Number.isFinite(real)) return { multiplier: 0, shift: 0 };
  let shift = Math.ceil(Math.log2(Math.abs(real)));
  let q = real / 2 ** shift;
  if (Math.abs(q) >= 1) {
    q /= 2;
    shift++;
  } else if (Math.abs(q) < 0.5) {
    q *= 2;
    shift--;
  }
  let fixed = roundHalfAway(q * TWO_31);
  if (Math.abs(fixed) === TWO_31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) return { multiplier: INT32_MAX, shift: 30 };
  return { multiplier: fixed, shift: shift | 0 };
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul for int32: (a b + nudge) / 2^31 truncated toward zero, the
 * nudge 2^30 for a non-negative product and 1 - 2^30 otherwise; exact for every pair of int32 values.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === -TWO_31 && b === -TWO_31) return INT32_MAX;
  const p = a * b;
  if (p < 4503599627370496 && p > -4503599627370496) {
    // |a b| < 2^52: the product and the nudged sum are exact doubles.
    return Math.trunc((p + (p >= 0 ? TWO_30 : 1 - TWO_30)) / TWO_31);
  }
  // a b = hi 2^16 + lo with b = bh 2^16 + bl; each partial product is exact.
  const bh = b >> 16;
  const bl = b & 0xffff;
  const hi = a * bh;
  const lo = a * bl;
  const hq = Math.floor(hi / 32768);
  const r = (hi - hq * 32768) * 65536 + lo + (p >= 0 ? TWO_30 : 1 - TWO_30);
  const rq = Math.floor(r / TWO_31);
  const floor = hq + rq;
  const exact = r - rq * TWO_31 === 0;
  return floor < 0 && !exact ? floor + 1 : floor;
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero (int32 x). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent <= 0) return x;
  const mask = exponent >= 31 ? INT32_MAX : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier: x * M for an int32 x, with M from `quantizeMultiplier`. */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const high = saturatingRoundingDoublingHighMul(left ? Math.imul(x, 1 << left) : x, multiplier);
  return roundingDivideByPOT(high, shift > 0 ? 0 : -shift);
}

/**
 * How the pow2 rescale rounds: 'floor' truncates (the hardware's arithmetic right shift), 'nearest' rounds
 * half up (adds 2^(k-1) before the shift), 'even' rounds half to even (as ONNX Runtime's QuantizeLinear
 * and LiteRT's float requantization do).
 */
export type Rounding = 'floor' | 'nearest' | 'even';

/** A real value (exact in a double) to an integer by the rule. */
export function roundReal(v: number, rounding: Rounding): number {
  if (rounding === 'floor') return Math.floor(v);
  return rounding === 'nearest' ? Math.floor(v + 0.5) : roundHalfEven(v);
}

/** pow2 rescale by 2^-k: an arithmetic right shift by k (k > 0) with the rule; k <= 0 multiplies exactly. */
export function shiftRound(x: number, k: number, rounding: Rounding): number {
  if (k <= 0) return x * 2 ** -k;
  return roundReal(x / 2 ** k, rounding);
}

/** num / den by the rule, for integers, den > 0 (pow2 averages); exact. */
export function divideRound(num: number, den: number, rounding: Rounding): number {
  const q = Math.floor(num / den);
  if (rounding === 'floor') return q;
  const twice = 2 * (num - q * den);
  if (twice !== den) return twice > den ? q + 1 : q;
  return rounding === 'nearest' || q % 2 !== 0 ? q + 1 : q;
}

/** The integer k with 2^k = ratio, or undefined when the ratio is not a power of two. */
export function exactLog2(ratio: number): number | undefined {
  if (!(ratio > 0) || !Number.isFinite(ratio)) return undefined;
  const k = Math.round(Math.log2(ratio));
  return 2 ** k === ratio ? k : undefined;
}

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * pow2 rescale of an integer x by a ratio of scales: where the ratio is 2^-k (every rescale of a pure pow2
 * graph), the shift `shiftRound(x, k)`; otherwise (a scale the TFLite spec fixes, or a product of two
 * activations whose input_scale is not a power of two) the exact product x * ratio, rounded by the same
 * rule.
 */
export function pow2Scaler(ratio: number, rounding: Rounding): (x: number) => number {
  const k = exactLog2(1 / ratio);
  if (k !== undefined && 2 ** -k === ratio) {
    // shiftRound(x, k, rounding), its branches taken once here: the pair tables of MUL and ADD call this
    // 65,536 times each (x / 2^k is exact, so the value is the same).
    if (k <= 0) return (x) => x * ratio;
    const d = 2 ** k;
    if (rounding === 'floor') return (x) => Math.floor(x / d);
    if (rounding === 'nearest') return (x) => Math.floor(x / d + 0.5);
    return (x) => roundHalfEven(x / d);
  }
  if (rounding === 'floor') return (x) => Math.floor(x * ratio);
  if (rounding === 'nearest') return (x) => Math.floor(x * ratio + 0.5);
  return (x) => roundHalfEven(x * ratio);
}

/** pow2 mean: x * ratio / n rounded by the rule, in integers (x 2^i / (n 2^j)) when the ratio is 2^(i-j). */
export function pow2Averager(ratio: number, n: number, rounding: Rounding): (x: number) => number {
  const e = exactLog2(ratio);
  if (e === undefined) return pow2Scaler(ratio / n, rounding);
  const num = 2 ** Math.max(0, e);
  const den = n * 2 ** Math.max(0, -e);
  return (x) => divideRound(x * num, den, rounding);
}
