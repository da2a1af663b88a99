/**
 * The stop rule of --max_drop: the drop the search measures is a sample, and the search picks the first
 * candidate whose sample drop is small enough, so a choice that just meets the target on the evaluation
 * samples tends to miss it on others (PP-OCRv4 rec pow2, issue 16: 0.54 points on the 50 lines it chose
 * on, 1.46 on 200 others). The search therefore asks the drop's upper confidence bound to meet the
 * target: one-sided, at CONFIDENCE (95%), from the samples' own spread.
 *
 * Each sample contributes `misses` out of `weight` (characters of float's decoded text, rows, or for
 * labelled accuracy one sample); the drop is the ratio of the sums. Misses cluster in samples (a line
 * the int8 model misreads loses several characters), so the bound is Wilson's score interval for a
 * proportion, on the number of independent trials the samples are worth: the weight over the design
 * effect (Kish), the ratio estimator's variance from the per-sample residuals over a binomial's. Wilson
 * rather than the normal interval: with no miss at all the normal bound is 0, Wilson's is z^2/(n+z^2),
 * which says how many samples a small target needs (0.5 points at 95%: about 540 characters).
 */
export const CONFIDENCE = 0.95;
/** The one-sided normal quantile of CONFIDENCE. */
export const Z = 1.6449;

export interface SampleMisses {
  misses: number;
  weight: number;
}

/** Upper bound (0..1) of the drop sum(misses)/sum(weight); negative misses (int8 right where float is wrong) count. */
export function dropUpperBound(samples: readonly SampleMisses[], z = Z): number {
  const n = samples.length;
  const total = samples.reduce((a, s) => a + s.weight, 0);
  if (n === 0 || total <= 0) return 1;
  const ratio = samples.reduce((a, s) => a + s.misses, 0) / total;
  // The ratio estimator's variance (delta method), from the per-sample residuals.
  const residuals = samples.reduce((a, s) => a + (s.misses - ratio * s.weight) ** 2, 0);
  const clustered = n > 1 ? (n / (n - 1)) * (residuals / total ** 2) : Infinity;
  const p = Math.min(Math.max(ratio, 0), 1);
  const binomial = (p * (1 - p)) / total;
  const effect = binomial > 0 ? Math.max(1, clustered / binomial) : 1;
  const upper = wilsonUpper(p, total / effect, z);
  // Where int8 gains on float (ratio < 0), the bound is shifted by the gain, never below ratio.
  return Math.min(1, upper + (ratio - p));
}

function wilsonUpper(p: number, n: number, z: number): number {
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre + spread) / (1 + z2 / n);
}
