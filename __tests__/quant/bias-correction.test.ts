import { describe, expect, it } from 'vitest';
import { float, int, ints } from '../../src/ir/attrs.js';
import type { Graph, Model, Node } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { optimize } from '../../src/passes/optimize.js';
import type { QuantPlan } from '../../src/quant/assign.js';
import { correctBiases, shiftLayers } from '../../src/quant/bias-correction.js';
import { GATE_OPEN, measureShifts, shiftTwins, steadyShifts, twinsGate } from '../../src/quant/bias-shift.js';
import { calibrateStats, type Feeds, type SampleSource } from '../../src/quant/calibrate.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { ChannelMaxObserver, ChannelMeanObserver } from '../../src/quant/observers.js';
import type { QuantizedWeight } from '../../src/quant/qdq.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { realModel } from '../helpers/models.js';
import { randomFeeds, runOrt } from '../helpers/ort-compare.js';

const planOf = (...nodes: Node[]): QuantPlan => ({ quantized: new Set(nodes), calibrate: [], float: [] });

function qweight(
  name: string,
  dims: number[],
  values: number[],
  scale: number[],
  axis?: number,
): QuantizedWeight {
  return {
    name,
    dims,
    values: Int8Array.from(values),
    params: { scale: Float64Array.from(scale), zeroPoint: new Int32Array(scale.length), axis },
  };
}

const biasOf = (g: Graph, node: string) => {
  const n = g.nodes.find((x) => x.name === node)!;
  return Array.from(g.initializers.get(n.inputs[2]!)!.toFloat32());
};

describe('correctBiases with measured shifts', () => {
  it('a 3x3 Conv (pads 1) on a 2-row map: taps in the padding read 0, not the channel mean', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 2, 4]);
    // Top and bottom kernel rows 0.3 (int8 1 at scale 0.25: -0.05 each), middle row 0.1 (0: -0.1).
    const wv = [0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 0.3, 0.3, 0.3];
    const w = b.init('w', Tensor.float32([1, 1, 3, 3], wv));
    b.output(b.node('Conv', [x, w, b.init('b', Tensor.float32([1], [0.5]))], { pads: ints([1, 1, 1, 1]) }));
    const qw = qweight('w', [1, 1, 3, 3], [1, 1, 1, 0, 0, 0, 1, 1, 1], [0.25]);
    // Inputs constant over the map, 1 then 3: mean 2.
    const source = constantSource(x, [1, 1, 2, 4], [[1], [3]]);
    // By hand, over the 2 x 4 outputs: kernel row 0 lands inside for output row 1 only (1/2 of the rows),
    // row 1 always, row 2 for output row 0 only; kernel column 0 inside for 3 of 4 output columns,
    // column 1 always, column 2 for 3 of 4. Mean shift = 2 * (2 * -0.05 * 1/2 * (3/4 + 1 + 3/4) +
    // -0.1 * (3/4 + 1 + 3/4)) = -0.75; every tap reading the mean would say 2 * (6 * -0.05 + 3 * -0.1) = -1.2.
    const expected = -0.75;
    // The same figure from ONNX Runtime: the Conv with W_q against the Conv with W on the samples.
    const withWq = b.g.clone();
    withWq.initializers.set('w', Tensor.float32([1, 1, 3, 3], [0.25, 0.25, 0.25, 0, 0, 0, 0.25, 0.25, 0.25]));
    let ort = 0;
    for await (const feeds of source.samples()) {
      const [yq, y] = [await runOrt(modelOf(withWq), feeds), await runOrt(modelOf(b.g), feeds)];
      const [a, c] = [Object.values(yq)[0]!.toFloat32(), Object.values(y)[0]!.toFloat32()];
      ort += a.reduce((s, v, i) => s + v - c[i]!, 0) / a.length / source.count;
    }
    expect(ort).toBeCloseTo(expected, 6);
    const plan = planOf(b.g.nodes[0]!);
    const shifts = await measureShifts(modelOf(b.g), shiftLayers(b.g, plan, new Map([['w', qw]])), source);
    expect(shifts.get(b.g.nodes[0]!.outputs[0]!)!.mean[0]).toBeCloseTo(expected, 6);
    // Steady: per input 1, edge columns -0.3 (2 x 2 taps inside), inner ones -0.45; times 3 for input 3.
    // Mean square (0.3^2 + 0.45^2) * (1 + 9) / 2 / 2 = 0.73125 <= 2 * 0.75^2: the mean is corrected.
    expect(shifts.get(b.g.nodes[0]!.outputs[0]!)!.meanSquare[0]).toBeCloseTo(0.73125, 6);
    const { graph, report } = correctBiases(b.g, plan, steadyShifts(shifts));
    expect(biasOf(graph, 'conv_0')[0]).toBeCloseTo(0.5 - expected, 6);
    expect(report.corrected[0]!.maxShift).toBeCloseTo(0.75, 6);
    // The input graph keeps its bias.
    expect(Array.from(b.g.initializers.get('b')!.toFloat32())).toEqual([0.5]);
  });

  it('corrects a channel whose shift is steady (mean^2 >= variance), leaves one whose shift is not', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 1, 4]);
    // Output 0 reads input channel 0 only, output 1 channel 1 only, both with weight 0.3 (int8 1 at 0.25).
    const w = b.init('w', Tensor.float32([2, 2, 1, 1], [0.3, 0, 0, 0.3]));
    b.output(b.node('Conv', [x, w, b.init('b', Tensor.float32([2], [1, 1]))]));
    const qw = qweight('w', [2, 2, 1, 1], [1, 0, 0, 1], [0.25]);
    // Channel 0 is 1 everywhere: shift -0.05 at each position, steady. Channel 1 is 0 but for a 4 at the
    // last position (a line padded with zeros): shifts [0, 0, 0, -0.2], mean -0.05, variance
    // 0.01 - 0.0025 = 0.0075 > 0.0025.
    const source: SampleSource = {
      count: 1,
      kind: 'synthetic',
      async *samples() {
        yield { x: Tensor.float32([1, 2, 1, 4], [1, 1, 1, 1, 0, 0, 0, 4]) };
      },
    };
    const plan = planOf(b.g.nodes[0]!);
    const stats = await measureShifts(modelOf(b.g), shiftLayers(b.g, plan, new Map([['w', qw]])), source);
    const { mean, meanSquare } = stats.get(b.g.nodes[0]!.outputs[0]!)!;
    [-0.05, -0.05].forEach((m, c) => expect(mean[c]).toBeCloseTo(m, 6));
    [0.0025, 0.01].forEach((m, c) => expect(meanSquare[c]).toBeCloseTo(m, 6));
    const { graph } = correctBiases(b.g, plan, steadyShifts(stats));
    const got = biasOf(graph, 'conv_0');
    expect(got[0]).toBeCloseTo(1.05, 6);
    expect(got[1]).toBeCloseTo(1, 6);
  });

  it('hand-computed: a 1x1 Conv bias moves by -(W_q - W) E[x]', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 3, 3]);
    const w = b.init('w', Tensor.float32([2, 2, 1, 1], [0.3, 0.7, -0.4, 0.1]));
    b.output(b.node('Conv', [x, w, b.init('b', Tensor.float32([2], [1, -1]))]));
    // Per-channel scales 0.25 and 0.125: W_q = [0.25, 0.75 | -0.375, 0.125].
    const qw = qweight('w', [2, 2, 1, 1], [1, 3, -3, 1], [0.25, 0.125], 0);
    const { graph, report } = await corrected(
      b.g,
      new Map([['w', qw]]),
      x,
      [2, 3, 3],
      [
        [1, 0],
        [3, -2],
      ],
    );
    // Means 2, -1; dW = [-0.05, 0.05 | 0.025, 0.025]; shift = [-0.05*2 + 0.05*-1, 0.025*2 + 0.025*-1].
    const got = biasOf(graph, 'conv_0');
    expect(got[0]).toBeCloseTo(1.15, 6);
    expect(got[1]).toBeCloseTo(-1.025, 6);
    expect(report.corrected).toMatchObject([{ node: 'conv_0' }]);
    expect(report.corrected[0]!.maxShift).toBeCloseTo(0.15, 6);
  });

  it('grouped 3x3 Conv without padding or bias: a bias is added, each tap sees its group channel mean', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 5, 5]);
    const wv = Array.from({ length: 2 * 2 * 9 }, (_, i) => ((i * 37) % 17) / 17 - 0.5);
    b.output(b.node('Conv', [x, b.init('w', Tensor.float32([2, 2, 3, 3], wv))], { group: int(2) }));
    const scale = 1 / 16;
    const q = wv.map((v) => Math.round(v / scale));
    const means = [1, 2, 3, 4];
    const weights = new Map([['w', qweight('w', [2, 2, 3, 3], q, [scale])]]);
    const { graph } = await corrected(b.g, weights, x, [4, 5, 5], [means]);
    const expected = [0, 1].map((o) => {
      let s = 0;
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 9; k++)
          s += (q[(o * 2 + j) * 9 + k]! * scale - wv[(o * 2 + j) * 9 + k]!) * means[o * 2 + j]!;
      return -s;
    });
    expect(graph.nodes[0]!.inputs).toHaveLength(3);
    const got = biasOf(graph, 'conv_0');
    expect(got[0]).toBeCloseTo(expected[0]!, 6);
    expect(got[1]).toBeCloseTo(expected[1]!, 6);
  });

  it.each([
    ['transB = 1', 1, 1, 1],
    ['transB = 0, alpha 2, beta 0.5', 0, 2, 0.5],
  ])('Gemm %s: C moves by -alpha dB E[a] / beta', async (_, transB, alpha, beta) => {
    const b = new GraphBuilder();
    const a = b.input('a', [4, 3]);
    // B' (as used, [K=3, N=2]) = [[0.3, -0.2], [0.6, 0.9], [-0.7, 0.05]].
    const bt = [0.3, -0.2, 0.6, 0.9, -0.7, 0.05];
    const stored = transB ? [0.3, 0.6, -0.7, -0.2, 0.9, 0.05] : bt;
    const dims = transB ? [2, 3] : [3, 2];
    const w = b.init('B', Tensor.float32(dims, stored));
    b.output(
      b.node('Gemm', [a, w, b.init('C', Tensor.float32([2], [0.5, 0.5]))], {
        transB: int(transB),
        alpha: float(alpha),
        beta: float(beta),
      }),
    );
    const q = stored.map((v) => Math.round(v * 4));
    const mean = [1, -2, 3];
    const weights = new Map([['B', qweight('B', dims, q, [0.25])]]);
    const { graph } = await corrected(b.g, weights, a, [3], [mean]);
    const shift = [0, 1].map(
      (n) =>
        alpha *
        [0, 1, 2].reduce((s, k) => s + (Math.round(bt[k * 2 + n]! * 4) / 4 - bt[k * 2 + n]!) * mean[k]!, 0),
    );
    const got = biasOf(graph, 'gemm_0');
    expect(got[0]).toBeCloseTo(0.5 - shift[0]! / beta, 6);
    expect(got[1]).toBeCloseTo(0.5 - shift[1]! / beta, 6);
  });

  it('leaves nodes outside the plan, without a shift, or with a [M, N] Gemm C alone', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 2]);
    const y = b.node('Gemm', [
      x,
      b.init('B', Tensor.float32([2, 2], [0.3, 0.1, 0.2, 0.4])),
      b.init('C', Tensor.float32([2, 2], [1, 2, 3, 4])),
    ]);
    b.output(y);
    const weights = new Map([['B', qweight('B', [2, 2], [1, 0, 1, 2], [0.25])]]);
    const shifts = new Map([[y, Float64Array.of(0.1, 0.1)]]);
    const gemm = b.g.nodes[0]!;
    expect(shiftLayers(b.g, planOf(), weights)).toEqual([]);
    expect(shiftLayers(b.g, planOf(gemm), weights).map((l) => l.node)).toEqual([gemm]);
    expect(correctBiases(b.g, planOf(), shifts).report.corrected).toEqual([]);
    expect(correctBiases(b.g, planOf(gemm), new Map()).report.corrected).toEqual([]);
    expect(correctBiases(b.g, planOf(gemm), shifts).report.corrected).toEqual([]);
  });
});

const modelOf = (g: Graph): Model => ({
  format: 'onnx',
  irVersion: 8,
  opsetImports: [{ domain: '', version: 13 }],
  metadata: [],
  graph: g,
});

/**
 * Samples of `name` ([1, ...dims], or [4, K] for a Gemm input when dims is [K]), channel c (axis 1)
 * holding perSample[s][c] everywhere.
 */
function constantSource(name: string, dims: number[], perSample: number[][]): SampleSource {
  const shape = dims.length === 1 ? [4, dims[0]!] : dims;
  const inner = shape.slice(2).reduce((a, c) => a * c, 1);
  return {
    count: perSample.length,
    kind: 'synthetic',
    async *samples() {
      for (const v of perSample) {
        const data = new Float32Array(shape.reduce((a, c) => a * c, 1));
        data.forEach((_, i) => (data[i] = v[Math.floor(i / inner) % shape[1]!]!));
        yield { [name]: Tensor.float32(shape, data) };
      }
    },
  };
}

/** correctBiases on the graph's one node with shifts measured in ONNX Runtime on constant samples. */
async function corrected(
  g: Graph,
  weights: Map<string, QuantizedWeight>,
  input: string,
  dims: number[],
  perSample: number[][],
) {
  const plan = planOf(g.nodes[0]!);
  const source = constantSource(input, dims.length === 1 ? dims : [1, ...dims], perSample);
  const stats = await measureShifts(modelOf(g), shiftLayers(g, plan, weights), source);
  return correctBiases(g, plan, steadyShifts(stats));
}

describe('channel statistics', () => {
  it('means and maxima per channel (axis 1) over several observations, constant memory', () => {
    const mean = new ChannelMeanObserver();
    const max = new ChannelMaxObserver();
    // [1, 2, 2]: channel 0 = [1, 2], channel 1 = [3, -4]; then [1, 2, 1]: [5], [-6].
    for (const [data, dims] of [
      [
        [1, 2, 3, -4],
        [1, 2, 2],
      ],
      [
        [5, -6],
        [1, 2, 1],
      ],
    ] as const) {
      mean.observe(Float32Array.from(data), dims);
      max.observe(Float32Array.from(data), dims);
    }
    // Means weight every position alike: (1 + 2 + 5) / 3, (3 - 4 - 6) / 3.
    expect(Array.from(mean.means())).toEqual([8 / 3, -7 / 3]);
    expect(Array.from(max.result())).toEqual([5, 3]);
    expect(() => mean.observe(new Float32Array(3), [1, 3])).toThrow(RangeError);
  });
});

describe('bias correction in quantizeFloatModel (ONNX Runtime)', () => {
  const settings = (biasCorrection: boolean): QuantSettings => ({
    scheme: 'pow2',
    biasMode: 'B16',
    perChannel: false,
    calibMethod: 'minmax',
    percentile: 100,
    exclude: [],
    inputScale: { kind: 'all', value: 64 },
    biasCorrection,
  });

  it('removes most of the per-channel mean shift of a Conv with coarse per-tensor weights', async () => {
    const model = convNet();
    const source = sampleSource(model, 8);
    const shift = async (on: boolean) => {
      const q = await quantizeFloatModel(model, settings(on), source);
      if (on) expect(q.biasCorrection!.corrected.length).toBe(2);
      return meanShift(model, q.model, source, 'conv_0');
    };
    const [before, after] = [await shift(false), await shift(true)];
    const norm = (v: Float64Array) => Math.hypot(...v);
    expect(norm(before)).toBeGreaterThan(0);
    expect(norm(after)).toBeLessThan(0.3 * norm(before));
  });

  it('affine: the twins ride on calibration, one run over the samples instead of two, same file', async () => {
    const model = convNet();
    const source = sampleSource(model, 6);
    let yielded = 0;
    const counted: SampleSource = {
      ...source,
      async *samples() {
        for await (const f of source.samples()) {
          yielded++;
          yield f;
        }
      },
    };
    const affine: QuantSettings = {
      ...settings(true),
      scheme: 'affine',
      perChannel: true,
      inputScale: undefined,
    };
    const once = await quantizeFloatModel(model, affine, counted);
    // Calibration's one pass (and the first sample once more: calibrateReduced reads it to size the maps).
    expect(yielded).toBe(6 + 1);
    // A calibration memo stands in (as mixed precision passes one): the twins measure in a pass of their own.
    yielded = 0;
    const twice = await quantizeFloatModel(model, affine, counted, { calibrate: calibrateStats });
    expect(yielded).toBe(6 + 1 + 6);
    expect(once.biasCorrection!.corrected.length).toBe(2);
    expect(once.biasCorrection).toEqual(twice.biasCorrection);
    expect(once.ranges).toEqual(twice.ranges);
    expect(exportOnnx(once.model).bytes).toEqual(exportOnnx(twice.model).bytes);
  });

  it('PaddleOCR cls: every quantized Conv and Gemm is corrected, and the model loads and runs in ORT', async () => {
    const real = realModel('PaddleOCR cls');
    const model = optimize(real.load()).model;
    const feeds = real.feeds(model);
    const source: SampleSource = {
      count: 1,
      kind: 'synthetic',
      samples: async function* () {
        yield feeds;
      },
    };
    const q = await quantizeFloatModel(model, { ...settings(true), inputScale: { kind: 'auto' } }, source);
    expect(q.biasCorrection!.corrected.length).toBe(
      q.model.graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm').length,
    );
    const [a, b] = [await runOrt(model, feeds), await runOrt(q.model, feeds)];
    for (const k of Object.keys(a)) expect(b[k]!.dims).toEqual(a[k]!.dims);
  });
});

describe('the twins on the first samples only (TWIN_VALUES)', () => {
  // A 1x1 Conv with weight 0.3, int8 1 at scale 0.25: W_q - W = -0.05. Inputs constant over the map, per
  // sample 1, 3, 5. With room for two samples' values (2 x 24) the twins measure on the first two: mean
  // shift -0.05 * (1 + 3) / 2 = -0.1, mean square 0.0025 * (1 + 9) / 2 = 0.0125 (on all three it would be
  // -0.15 and 0.0025 * 35 / 3).
  const setup = () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 4, 6]);
    const w = b.init('w', Tensor.float32([1, 1, 1, 1], [0.3]));
    b.output(b.node('Relu', [b.node('Conv', [x, w, b.init('b', Tensor.float32([1], [0.5]))])]));
    const plan = planOf(b.g.nodes[0]!);
    const layers = shiftLayers(b.g, plan, new Map([['w', qweight('w', [1, 1, 1, 1], [1], [0.25])]]));
    return { b, x, layers, source: constantSource(x, [1, 1, 4, 6], [[1], [3], [5]]) };
  };
  const expectFirstTwo = (
    stats: Map<string, { mean: Float64Array; meanSquare: Float64Array }>,
    out: string,
  ) => {
    expect(stats.get(out)!.mean[0]).toBeCloseTo(-0.1, 6);
    expect(stats.get(out)!.meanSquare[0]).toBeCloseTo(0.0125, 6);
  };

  it('the gate: 1 while the samples up to this one hold at most the limit, and for the first sample', () => {
    const sample = { x: Tensor.float32([1, 1, 4, 6], new Float32Array(24)) };
    const gate = (i: number, limit: number) => Number(twinsGate(i, sample, limit).data[0]);
    expect([0, 1, 2, 3].map((i) => gate(i, 48))).toEqual([GATE_OPEN, GATE_OPEN, 0, 0]);
    expect([0, 1].map((i) => gate(i, 10))).toEqual([GATE_OPEN, 0]);
    // PP-OCRv4 det at 640x640: 8 pages.
    const page = { x: Tensor.float32([1, 3, 640, 640], new Float32Array(3 * 640 * 640)) };
    expect([7, 8].map((i) => Number(twinsGate(i, page).data[0]))).toEqual([GATE_OPEN, 0]);
  });

  it('a sample of several batch items: the twins read all of them', async () => {
    // The same 1x1 Conv (W_q - W = -0.05) on one sample of two items, constant 1 and 3: mean shift
    // -0.05 * (1 + 3) / 2 = -0.1, mean square 0.0125, as the first two samples of one item each above
    // (the first item alone would read -0.05).
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 1, 4, 6]);
    const w = b.init('w', Tensor.float32([1, 1, 1, 1], [0.3]));
    b.output(b.node('Conv', [x, w, b.init('b', Tensor.float32([1], [0.5]))]));
    const layers = shiftLayers(
      b.g,
      planOf(b.g.nodes[0]!),
      new Map([['w', qweight('w', [1, 1, 1, 1], [1], [0.25])]]),
    );
    const data = new Float32Array(48).map((_, i) => (i < 24 ? 1 : 3));
    const source: SampleSource = {
      count: 1,
      kind: 'synthetic',
      async *samples() {
        yield { x: Tensor.float32([2, 1, 4, 6], data) };
      },
    };
    expectFirstTwo(await measureShifts(modelOf(b.g), layers, source), b.g.nodes[0]!.outputs[0]!);
  });

  it('measureShifts: the first two samples of three', async () => {
    const { b, layers, source } = setup();
    expectFirstTwo(
      await measureShifts(modelOf(b.g), layers, source, undefined, 48),
      b.g.nodes[0]!.outputs[0]!,
    );
    // With room for all three: -0.15.
    const all = await measureShifts(modelOf(b.g), layers, source, undefined, 72);
    expect(all.get(b.g.nodes[0]!.outputs[0]!)!.mean[0]).toBeCloseTo(-0.15, 6);
  });

  it.each([false, true])(
    'riding on calibration (reduced: %s): the first two samples of three',
    async (reduction) => {
      const { b, layers, source } = setup();
      const twins = shiftTwins(modelOf(b.g), layers, 48);
      const tensors = b.g.nodes.flatMap((n) => n.outputs);
      const opts = { method: 'minmax' as const, percentile: 99.9, reduction };
      const alone = await calibrateStats(modelOf(b.g), tensors, source, opts);
      const along = await calibrateStats(twins.model, tensors, source, { ...opts, alongside: twins });
      expect(along.ranges).toEqual(alone.ranges);
      expectFirstTwo(twins.stats(), b.g.nodes[0]!.outputs[0]!);
    },
  );
});

describe('calibrateStats with the twins alongside', () => {
  // Each way calibration runs the model: tensors copied out whole (minmax, percentile), reduced in the graph.
  const ways = [
    { method: 'minmax', reduction: false },
    { method: 'minmax', reduction: true },
    { method: 'percentile', reduction: true },
  ] as const;
  it.each(ways)(
    '$method (reduced: $reduction): ranges as without them, shifts as their own pass',
    async (way) => {
      const model = wideNet();
      const source = sampleSource(model, 4);
      const conv = model.graph.nodes.filter((n) => n.opType === 'Conv');
      const plan = planOf(...conv);
      const weights = new Map(
        conv.map((n) => {
          const t = model.graph.initializers.get(n.inputs[1]!)!;
          // Weights on a coarse grid (step 0.25): W_q - W of up to 0.125.
          const values = Int8Array.from(t.toFloat32(), (v) => Math.round(v / 0.25));
          const qw: QuantizedWeight = {
            name: n.inputs[1]!,
            dims: t.dims,
            values,
            params: { scale: Float64Array.of(0.25), zeroPoint: new Int32Array(1) },
          };
          return [qw.name, qw] as const;
        }),
      );
      const layers = shiftLayers(model.graph, plan, weights);
      const tensors = model.graph.nodes.flatMap((n) => n.outputs);
      const opts = { method: way.method, percentile: 99.9, reduction: way.reduction };
      const alone = await calibrateStats(model, tensors, source, opts);
      const twins = shiftTwins(model, layers);
      const along = await calibrateStats(twins.model, tensors, source, { ...opts, alongside: twins });
      expect(along.ranges).toEqual(alone.ranges);
      // The twins' statistics as measureShifts (ONNX Runtime, a pass of its own) finds them.
      const own = await measureShifts(model, layers, source);
      const got = twins.stats();
      expect([...got.keys()]).toEqual([...own.keys()]);
      for (const [k, v] of own) {
        expect(Array.from(got.get(k)!.mean)).toEqual(Array.from(v.mean));
        expect(Array.from(got.get(k)!.meanSquare)).toEqual(Array.from(v.meanSquare));
        expect(v.mean.some((m) => m !== 0)).toBe(true);
      }
    },
  );
  it('a second pass of the reduced calibration (percentile 50) is fed the gate too', async () => {
    const model = wideNet();
    const source = sampleSource(model, 3);
    const conv = model.graph.nodes.filter((n) => n.opType === 'Conv');
    const weights = new Map(
      conv.map((n) => {
        const t = model.graph.initializers.get(n.inputs[1]!)!;
        const values = Int8Array.from(t.toFloat32(), (v) => Math.round(v / 0.25));
        const params = { scale: Float64Array.of(0.25), zeroPoint: new Int32Array(1) };
        return [n.inputs[1]!, { name: n.inputs[1]!, dims: t.dims, values, params }] as const;
      }),
    );
    const layers = shiftLayers(model.graph, planOf(...conv), weights);
    const tensors = model.graph.nodes.flatMap((n) => n.outputs);
    const passes = new Set<number>();
    const opts = {
      method: 'percentile' as const,
      percentile: 50,
      reduction: true,
      onSample: (p: number) => passes.add(p),
    };
    const alone = await calibrateStats(model, tensors, source, opts);
    passes.clear();
    // Room for the first sample only.
    const twins = shiftTwins(model, layers, 1);
    const along = await calibrateStats(twins.model, tensors, source, { ...opts, alongside: twins });
    expect([...passes].sort()).toEqual([1, 2]);
    expect(along.ranges).toEqual(alone.ranges);
  });
});

/** x [1, 3, 64, 64] -> Conv 3x3 (8) -> Relu -> Conv 1x1 (8): maps of 32768 values, large enough to reduce. */
function wideNet(): Model {
  const b = new GraphBuilder(17);
  const x = b.input('x', [1, 3, 64, 64]);
  const h = b.node('Conv', [x, b.weight('w1', [8, 3, 3, 3], -0.3, 0.5), b.weight('b1', [8])], {
    pads: ints([1, 1, 1, 1]),
  });
  b.output(
    b.node('Conv', [b.node('Relu', [h]), b.weight('w2', [8, 8, 1, 1], -0.2, 0.6), b.weight('b2', [8])]),
  );
  return b.model();
}

/** x [1, 3, 6, 6] -> Conv 3x3 (6, bias) -> Relu -> Conv 1x1 (4, bias): positive mean input to conv_2. */
function convNet(): Model {
  const b = new GraphBuilder(17);
  const x = b.input('x', [1, 3, 6, 6]);
  const h = b.node('Conv', [x, b.weight('w1', [6, 3, 3, 3], -0.3, 0.5), b.weight('b1', [6])], {
    pads: ints([1, 1, 1, 1]),
  });
  b.output(
    b.node('Conv', [b.node('Relu', [h]), b.weight('w2', [4, 6, 1, 1], -0.2, 0.6), b.weight('b2', [4])]),
  );
  return b.model();
}

function sampleSource(model: Model, count: number): SampleSource {
  return {
    count,
    kind: 'synthetic',
    async *samples() {
      // Inputs of a steady positive level with some texture (flat paper, say), so that weight rounding
      // shifts the outputs' means by more than it spreads them (the shifts bias correction keeps).
      for (let i = 0; i < count; i++) {
        const f = randomFeeds(model, {}, 100 + i) as Feeds;
        yield {
          x: Tensor.float32(
            f.x!.dims,
            f.x!.toFloat32().map((v) => 0.8 + 0.1 * v),
          ),
        };
      }
    },
  };
}

/** Per-channel mean of (quantized - float) of a tensor over the samples. */
async function meanShift(
  float: Model,
  quant: Model,
  source: SampleSource,
  conv: string,
): Promise<Float64Array> {
  const tensor = float.graph.nodes.find((n) => n.name === conv)!.outputs[0]!;
  const withOutput = (m: Model): Model => {
    const g = m.graph.clone();
    if (!g.outputs.some((o) => o.name === tensor)) g.outputs.push({ name: tensor });
    return { ...m, graph: g };
  };
  let sums = new Float64Array(0);
  for await (const feeds of source.samples()) {
    const a = (await runOrt(withOutput(float), feeds))[tensor]!;
    const b = (await runOrt(withOutput(quant), feeds))[tensor]!;
    const [c, inner] = [a.dims[1]!, a.size / a.dims[1]!];
    if (sums.length === 0) sums = new Float64Array(c);
    const [x, y] = [a.toFloat32(), b.toFloat32()];
    for (let i = 0; i < x.length; i++)
      sums[Math.floor(i / inner)]! += (y[i]! - x[i]!) / (inner * source.count);
  }
  return sums;
}
