import { multiplyByQuantizedMultiplier, quantizeMultiplier, shiftRound } from '../../fixed-point.js';
import type { KernelContext } from '../../types.js';
import { exponentOf, type BinaryParams, type PairFunction } from './binary.js';

/** TFLite int8 ADD/SUB: inputs moved to 2^20 times a common scale, summed, rescaled to the output. */
const LEFT_SHIFT = 20;

/** a + sign b in the scheme's arithmetic (sign -1 for SUB). */
export function addSubPair(cx: KernelContext, p: BinaryParams, sign: 1 | -1): PairFunction {
  return cx.arith.scheme === 'affine' ? affinePair(p, sign) : pow2Pair(cx, p, sign);
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

/** DESIGN.md pow2: both inputs shifted to the finer exponent (exact), summed, shifted to the output's. */
function pow2Pair(cx: KernelContext, { a, b, out }: BinaryParams, sign: 1 | -1): PairFunction {
  const ea = exponentOf(cx, a, 'input 0');
  const eb = exponentOf(cx, b, 'input 1');
  const eo = exponentOf(cx, out, 'output');
  const e = Math.min(ea, eb);
  const rounding = cx.arith.rounding;
  return (qa, qb) => {
    const sum = (qa - a.zeroPoint) * 2 ** (ea - e) + sign * (qb - b.zeroPoint) * 2 ** (eb - e);
    return shiftRound(sum, eo - e, rounding) + out.zeroPoint;
  };
}
