import { describe, expect, it } from 'vitest';
import { dropUpperBound, Z } from '../../src/pipeline/precision-bound.js';

/** Wilson's upper score bound, written out from its textbook form (one-sided, z = 1.6449). */
const wilson = (p: number, n: number) =>
  (p + (Z * Z) / (2 * n) + Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))) / (1 + (Z * Z) / n);

describe("the drop's upper confidence bound (--max_drop's stop rule)", () => {
  it('is z^2 / (n + z^2) with no miss at all: 100 characters cannot show a drop under 2.63 points', () => {
    const none = Array.from({ length: 10 }, () => ({ misses: 0, weight: 10 }));
    // 1.6449^2 / (100 + 1.6449^2) = 2.70570 / 102.70570
    expect(dropUpperBound(none)).toBeCloseTo(0.0263442, 6);
    // 0.5 points needs z^2 (1 - 0.005) / 0.005, about 539 characters of float's text.
    const enough = Array.from({ length: 54 }, () => ({ misses: 0, weight: 10 }));
    expect(dropUpperBound(enough)).toBeLessThan(0.005);
    expect(dropUpperBound(enough.slice(0, 53))).toBeGreaterThan(0.005);
  });

  it('misses spread evenly over the samples are binomial: Wilson on every character', () => {
    // 10 of 100 characters, one per sample: the per-sample residuals are 0, no design effect.
    const even = Array.from({ length: 10 }, () => ({ misses: 1, weight: 10 }));
    expect(dropUpperBound(even)).toBeCloseTo(wilson(0.1, 100), 12);
    expect(wilson(0.1, 100)).toBeCloseTo(0.1603575, 6);
  });

  it('misses clustered in one sample count as fewer trials (the design effect), so the bound widens', () => {
    // The same 10 of 100, all in one line: residuals (10 - 1)^2 + 9 (0 - 1)^2 = 90; the ratio's variance
    // 10/9 * 90 / 100^2 = 0.01, a binomial's 0.1 * 0.9 / 100 = 0.0009: effect 100/9, 9 trials.
    const clustered = [
      { misses: 10, weight: 10 },
      ...Array.from({ length: 9 }, () => ({ misses: 0, weight: 10 })),
    ];
    expect(dropUpperBound(clustered)).toBeCloseTo(wilson(0.1, 9), 12);
    expect(wilson(0.1, 9)).toBeCloseTo(0.3637796, 6);
  });

  it('a labelled drop where int8 also gains on float is shifted by the gain', () => {
    // Losses 2, gains 1 of 10 samples: drop 0.1; residuals 2 (1 - 0.1)^2 + (-1 - 0.1)^2 + 7 (0.1)^2 = 2.9.
    const s = [1, 1, -1, 0, 0, 0, 0, 0, 0, 0].map((misses) => ({ misses, weight: 1 }));
    const variance = (10 / 9) * (2.9 / 100);
    const n = 10 / (variance / (0.09 / 10));
    expect(dropUpperBound(s)).toBeCloseTo(wilson(0.1, n), 12);
  });
});
