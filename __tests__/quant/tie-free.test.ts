import { describe, expect, it } from 'vitest';
import { meanScale, oddFraction, tieFreeScale, type Int8Params } from '../../src/quant/tie-free.js';

/**
 * The affine scales that keep int8 results off rounding ties (src/quant/tie-free.ts), checked by brute
 * force: every result an op can produce, computed here in exact rational terms where the scales allow it.
 */
const INT8 = Array.from({ length: 256 }, (_, i) => i - 128);

/**
 * The smallest distance (in steps) of a result of `op` to a half step, less the float error either runtime
 * may make on it (1e-6 of the value), over the results inside int8.
 */
function nearestTie(op: 'Mul' | 'Add', a: Int8Params, b: Int8Params, s: number, z: number): number {
  let nearest = Infinity;
  for (const qa of a.values ?? INT8)
    for (const qb of b.values ?? INT8) {
      const [x, y] = [(qa - a.zeroPoint) * a.scale, (qb - b.zeroPoint) * b.scale];
      const v = (op === 'Mul' ? x * y : x + y) / s;
      if (v + z < -129 || v + z > 128) continue;
      nearest = Math.min(nearest, Math.abs(Math.abs(v - Math.round(v)) - 0.5) - 1e-6 * Math.abs(v));
    }
  return nearest;
}

describe('tie-free affine scales', () => {
  it.each([
    [
      'Mul',
      { scale: 1 / 64, zeroPoint: 0 },
      { scale: 1 / 128, zeroPoint: -128 },
      { scale: 1 / 128, zeroPoint: -10 },
    ],
    ['Add', { scale: 0.05, zeroPoint: 3 }, { scale: 0.1, zeroPoint: -7 }, { scale: 0.1, zeroPoint: 2 }],
    [
      'Add',
      { scale: 0.0314, zeroPoint: -20 },
      { scale: 0.0271, zeroPoint: 11 },
      { scale: 0.047, zeroPoint: 0 },
    ],
  ] as const)(
    '%s: a calibrated scale with ties moves (under 0.1%%) to one whose results all stay clear of a half',
    (op, a, b, out) => {
      const s = tieFreeScale(op, a, b, out);
      expect(Math.abs(s / out.scale - 1)).toBeLessThan(1e-3);
      // ratios of powers of two or of 1:2 put results exactly on halves at the calibrated scale
      if (op === 'Mul' || out.scale === 0.1)
        expect(nearestTie(op, a, b, out.scale, out.zeroPoint)).toBeLessThan(0);
      expect(nearestTie(op, a, b, s, out.zeroPoint)).toBeGreaterThan(0);
    },
  );

  it('a mean over 36 values at its input scale ties at remainder 18; with k odd it never can', () => {
    const s = meanScale(0.1, 36, 0.05)!;
    // k = smallest odd integer with 0.1 * k / 36 >= 0.05: 18 -> 19
    expect(s).toBeCloseTo((0.1 * 19) / 36, 12);
    for (let sum = -36 * 128; sum <= 36 * 127; sum++) {
      const v = ((sum / 36) * 0.1) / s; // = sum / 19
      expect(Math.abs(Math.abs(v - Math.round(v)) - 0.5)).toBeGreaterThan(1 / (2 * 19) - 1e-9);
    }
  });

  it('oddFraction: n/m with m odd, within 0.1% above r', () => {
    for (const r of [1e-3, 0.0137, 0.5, 0.25, 1.7]) {
      const f = oddFraction(r)!;
      expect(f.m % 2).toBe(1);
      expect(f.n / f.m).toBeGreaterThanOrEqual(r);
      expect(f.n / f.m).toBeLessThanOrEqual(r * 1.001);
    }
  });
});
