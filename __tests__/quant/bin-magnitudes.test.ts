import { describe, expect, it } from 'vitest';
import { binMagnitudes, binMagnitudesJs } from '../../src/quant/bin-magnitudes.js';
import { rng } from '../../src/quant/samples.js';

describe('binMagnitudes', () => {
  // ReLU-like values (zeros among positives), negatives, and the values that need care: NaN (bin 0,
  // extremes unchanged), -0, infinities and values past the last bin (counted apart).
  const r = rng(11);
  const data = Float32Array.from({ length: 100_003 }, () => {
    const u = r();
    return u < 0.4 ? 0 : u < 0.7 ? (r() - 0.5) * 8 : r() * 3;
  });
  data.set([NaN, -0, Infinity, -Infinity, 1e30, -1e-30, 4, -4], 1000);
  data.set([NaN, 9, -9, 1e-40], data.length - 4);

  it('gives in WebAssembly exactly the counts, extremes and overflow count of the JS loop', () => {
    // Lengths around the four-value groups (the last count % 4 values go one at a time).
    for (const length of [2048, 2049, 2050, 2051, data.length]) {
      const part = data.subarray(data.length - length);
      for (const inv of [4096 / 4, 4096 / 1, 4096 / 1e-3]) {
        const [a, b] = [new Float64Array(4096), new Float64Array(4096)];
        const [ea, eb] = [Float64Array.of(0.5, 0.5), Float64Array.of(0.5, 0.5)];
        const pa = binMagnitudesJs(part, a, inv, ea);
        const pb = binMagnitudes(part, b, inv, eb);
        expect(pb).toBe(pa);
        expect([...eb]).toEqual([...ea]);
        expect(b).toEqual(a);
      }
    }
  });

  it('gives the counts of the JS loop on runs of one value, across the chunks the data is copied in by', () => {
    // Runs (a page's blank paper, a ReLU's zeros) take WebAssembly's shortcut for four values equal to
    // the last one counted: runs of zeros, of a value past the last bin, of NaN (the shortcut's own
    // starting pattern among them), of -0 after 0, of lengths around the groups of four and past the
    // 16384 values copied at a time.
    const values = [0, 2.5, 1e9, NaN, new Float32Array(Int32Array.of(0x7fc0dead).buffer)[0]!, -0, 0, -3];
    const runs: number[] = [];
    const r2 = rng(5);
    while (runs.length < 70_000) {
      const v = values[Math.floor(r2() * values.length)]!;
      const length = [1, 3, 4, 5, 7, 8, 13, 64, 999][Math.floor(r2() * 9)]!;
      for (let i = 0; i < length; i++) runs.push(r2() < 0.02 ? r2() * 6 : v);
    }
    const data = Float32Array.from(runs);
    for (const length of [data.length, data.length - 1, 16384 * 2 + 3]) {
      const part = data.subarray(0, length);
      const [a, b] = [new Float64Array(4096), new Float64Array(4096)];
      const [ea, eb] = [Float64Array.of(Infinity, -Infinity), Float64Array.of(Infinity, -Infinity)];
      expect(binMagnitudes(part, b, 4096 / 6, eb)).toBe(binMagnitudesJs(part, a, 4096 / 6, ea));
      expect([...eb]).toEqual([...ea]);
      expect(b).toEqual(a);
    }
  });

  it('counts each value once, in bin floor(|v| inv) or past the last bin', () => {
    const bins = new Float64Array(8);
    const ext = Float64Array.of(Infinity, -Infinity);
    const past = binMagnitudes(
      Float32Array.from({ length: 1 << 15 }, (_, i) => (i % 10) - 5),
      bins,
      1,
      ext,
    );
    expect([...ext]).toEqual([-5, 4]);
    expect(past).toBe(0);
    expect(bins.reduce((s, v) => s + v, 0)).toBe(1 << 15);
    expect(bins[5]).toBeGreaterThan(0);
  });
});
