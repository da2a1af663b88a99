import { describe, expect, it } from 'vitest';
import { HistogramObserver, MinMaxObserver } from '../../src/quant/observers.js';
import { rng } from '../../src/quant/samples.js';

function gaussian(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()),
  );
}

describe('calibration observers', () => {
  const data = gaussian(200_000, 7);
  const mm = new MinMaxObserver();
  mm.observe(data);
  const limit = Math.max(-mm.min, mm.max);
  const h = new HistogramObserver(limit);
  h.observe(data);

  it('percentile: 99.99% of N(0,1) magnitudes lie below ~3.9 sigma (erf: P(|x| < 3.89) = 0.9999)', () => {
    expect(h.percentile(99.99)).toBeGreaterThan(3.7);
    expect(h.percentile(99.99)).toBeLessThan(4.1);
    // 68.27% of N(0,1) lies within one sigma
    expect(h.percentile(68.27)).toBeCloseTo(1, 1);
  });

  it('entropy (KL) keeps the bulk of a Gaussian: its threshold is beyond 2.5 sigma and within the max', () => {
    const t = h.entropyThreshold();
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThanOrEqual(limit + 1e-9);
  });

  it('mse trades clipping for resolution: between 2.5 sigma and the max for int8', () => {
    const t = h.mseThreshold();
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThanOrEqual(limit + 1e-9);
  });
});
