import { describe, expect, it } from 'vitest';
import { GrowingHistogramObserver, HistogramObserver, MinMaxObserver } from '../../src/quant/observers.js';
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

describe('GrowingHistogramObserver: one pass gives the two-pass histogram', () => {
  // A first batch of small values makes the range double several times as the rest arrives.
  const data = gaussian(200_000, 11);
  const batches = [data.slice(0, 1000).map((v) => v / 50)];
  for (let i = 1000; i < data.length; i += 10_000) batches.push(data.slice(i, i + 10_000));
  const mm = new MinMaxObserver();
  const grown = new GrowingHistogramObserver();
  for (const b of batches) mm.observe(b);
  const exact = new HistogramObserver(Math.max(-mm.min, mm.max));
  for (const b of batches) {
    exact.observe(b);
    grown.observe(b);
  }
  const h = grown.histogram();

  it('keeps min/max exactly and every count', () => {
    expect(grown.range()).toEqual(mm.range());
    expect(h.limit).toBe(exact.limit);
    expect(h.bins.reduce((s, v) => s + v, 0)).toBeCloseTo(data.length, 6);
  });

  it('each bin holds what exact binning puts there, up to the counts of its border fine bins', () => {
    let worst = 0;
    for (let i = 0; i < h.binCount; i++) worst = Math.max(worst, Math.abs(h.bins[i]! - exact.bins[i]!));
    // A bin gains or loses at most parts of the fine bins at its borders: a few percent of the peak here.
    expect(worst).toBeLessThan(Math.max(...exact.bins) * 0.1);
  });

  it('percentile, entropy and mse thresholds agree with the two-pass histogram', () => {
    const width = exact.width;
    expect(Math.abs(h.percentile(99.99) - exact.percentile(99.99))).toBeLessThanOrEqual(2 * width);
    expect(Math.abs(h.percentile(68.27) - exact.percentile(68.27))).toBeLessThanOrEqual(2 * width);
    expect(h.entropyThreshold()).toBeCloseTo(exact.entropyThreshold(), 1);
    expect(h.mseThreshold()).toBeCloseTo(exact.mseThreshold(), 1);
  });

  it('memory is fixed: the range grows by merging bins, never by adding them', () => {
    const g = new GrowingHistogramObserver();
    g.observe(Float32Array.of(1e-3));
    g.observe(Float32Array.of(1e3, -2e3));
    const r = g.histogram();
    expect(r.bins.length).toBe(2048);
    expect(r.limit).toBe(2e3);
    // 1e-3 and 1e3 land in the first bin and near the middle; 2e3 in the last.
    expect(r.bins[0]).toBeCloseTo(1, 9);
    expect(r.bins[2047]).toBeCloseTo(1, 9);
    expect(r.bins.reduce((s, v) => s + v, 0)).toBeCloseTo(3, 9);
  });

  it('all zeros: everything in bin 0', () => {
    const g = new GrowingHistogramObserver();
    g.observe(new Float32Array(10));
    expect(g.range()).toEqual({ min: 0, max: 0 });
    expect(g.histogram().bins[0]).toBe(10);
  });
});

describe('GrowingHistogramObserver: the fine bins depend on the final limit only', () => {
  // The limit is the first sample's largest magnitude times 2^k, and each growth divides the
  // bins-per-unit factor by a power of two, so every value ends in fine bin min(floor(|v| * (fine /
  // limit)), fine - 1) of the final limit, whichever sample raised it: computed so here, directly.
  class Visible extends GrowingHistogramObserver {
    state() {
      return { bins: this.bins, limit: this.limit };
    }
  }
  it('large and small samples, growing by one doubling, by many, or not at all, the bins count as at the final limit', () => {
    const r = rng(3);
    // Sizes past and below the one from which a grown sample is binned again (16384 values).
    const samples = [
      [20_000, 0.7],
      [30_000, 1.9],
      [100, 2.5],
      [20_000, 2.5],
      [17_000, 300],
      [5_000, 301],
      [40_000, 2000],
      [16_384, 2000],
    ].map(([n, top]) =>
      Float32Array.from({ length: n! }, (_, i) =>
        i === 7 ? -top! : r() < 0.3 ? 0 : (r() - 0.5) * 2 * top! * r(),
      ),
    );
    const o = new Visible(512, 1024);
    for (const s of samples) o.observe(s);
    const { bins, limit } = o.state();
    let m0 = 0;
    for (const v of samples[0]!) m0 = Math.max(m0, Math.abs(v));
    let top = 0;
    for (const s of samples) for (const v of s) top = Math.max(top, Math.abs(v));
    let expected = m0;
    while (expected < top) expected *= 2;
    expect(limit).toBe(expected);
    const want = new Float64Array(1024);
    const inv = 1024 / expected;
    for (const s of samples) for (const v of s) want[Math.min(Math.floor(Math.abs(v) * inv), 1023)]!++;
    expect(Array.from(bins)).toEqual(Array.from(want));
  });
});

describe('GrowingHistogramObserver: growing merges runs of fine bins', () => {
  // Two final bins over four fine bins, so every count can be followed by hand.
  it('merges four fine bins into one when the limit quadruples, then bins the value past it', () => {
    const o = new GrowingHistogramObserver(2, 4);
    // limit 1: 1 * 4 / 1 = 4 is past the last fine bin, counted in it (fine bins [0, 0, 0, 1]).
    o.observe(Float32Array.of(1));
    // 0.3 -> fine bin 1 ([0, 1, 0, 1]); 3.5 passes the limit, which becomes 4 (x4): the four fine bins
    // merge into bin 0 ([2, 0, 0, 0]), then 3.5 * 4 / 4 = 3.5 -> fine bin 3 ([2, 0, 0, 1]).
    o.observe(Float32Array.of(0.3, 3.5));
    // Final bins over [0, 3.5], 1.75 wide: fine bin 0 ([0, 1)) in bin 0, fine bin 3 ([3, 4)) in the last.
    expect(Array.from(o.histogram().bins)).toEqual([2, 1]);
  });

  it('merges every fine bin into the first when the limit grows past them all', () => {
    const o = new GrowingHistogramObserver(2, 4);
    // limit 1, x = 4|v|: 0.1 -> fine bin 0, 0.6 -> 2, 1 -> past the end, in 3 ([1, 0, 1, 1]).
    o.observe(Float32Array.of(0.1, 0.6, 1));
    // 786432 = 1.5 * 2^19: the limit grows by 2^20 (more than the four fine bins): all three counts merge
    // into fine bin 0 ([3, 0, 0, 0]); 786432 * 4 / 2^20 = 3 -> fine bin 3 ([3, 0, 0, 1]).
    o.observe(Float32Array.of(786432));
    // Final bins 393216 wide: fine bin 0 ([0, 262144)) in bin 0, fine bin 3 ([786432, ...)) in the last.
    expect(Array.from(o.histogram().bins)).toEqual([3, 1]);
  });

  it('values at the limit in later batches (a HardSigmoid at 1) count in the last fine bin, the limit kept', () => {
    const o = new GrowingHistogramObserver(2, 4);
    // limit 1: 0.1 -> fine bin 0, 1 -> past the end, in 3 ([1, 0, 0, 1]).
    o.observe(Float32Array.of(0.1, 1));
    // 1 again twice (4|v| = 4, past the end: in 3), 0.6 -> 2, -1 -> 3: [1, 0, 1, 4]; the limit stays 1.
    o.observe(Float32Array.of(1, 0.6, 1, -1));
    o.observe(Float32Array.of(1, 0));
    // [2, 0, 1, 5]: final bins over [0, 1], 0.5 wide: fine bins 0-1 in bin 0, 2-3 in bin 1.
    expect(o.range()).toEqual({ min: -1, max: 1 });
    expect(Array.from(o.histogram().bins)).toEqual([2, 6]);
    const h = o.histogram();
    expect(h.limit).toBe(1);
  });
});
