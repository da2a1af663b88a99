import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { Graph, type Attribute, type Model } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { clipMaximaTensors, equalizeGraph } from '../../../src/passes/equalize.js';
import { planQuantization } from '../../../src/quant/assign.js';
import { correctBiases, shiftLayers } from '../../../src/quant/bias-correction.js';
import { measureShifts, steadyShifts } from '../../../src/quant/bias-shift.js';
import { calibrateStats } from '../../../src/quant/calibrate.js';
import { elementTypes } from '../../../src/quant/dtypes.js';
import { quantizeAllWeights } from '../../../src/quant/qdq.js';
import { probeModel } from '../../../src/quant/tflite/calibrate.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import { floats, generatedSource, settings, smoothImage, sqnr } from './helpers.js';
import { bias, tfliteModel, tfliteNode, weights } from './tiny.js';

const int = (value: number): Attribute => ({ kind: 'int', value });
const [NONE, RELU, RELU6] = [0, 1, 3];
const SHAPES: Record<string, number[]> = {
  x: [1, 6, 6, 4],
  c1: [1, 6, 6, 8],
  d1: [1, 6, 6, 8],
  r: [1, 6, 6, 8],
  y: [1, 6, 6, 6],
};

/**
 * x [1, 6, 6, 4] -> CONV_2D (OHWI, fused `fused`) -> DEPTHWISE_CONV_2D (1HWO) -> RELU -> CONV_2D -> y:
 * two equalizable pairs in TFLite's own weight layouts, channels spread 4x in each filter.
 */
function chain(fused: number): Model {
  const g = new Graph();
  const value = (name: string) => ({
    name,
    type: { kind: 'tensor' as const, dtype: 'float32' as const, shape: SHAPES[name]! },
  });
  for (const name of ['c1', 'd1', 'r']) g.valueInfo.set(name, value(name));
  g.inputs = [value('x')];
  g.outputs = [value('y')];
  const init = (name: string, t: ReturnType<typeof bias>) => (g.initializers.set(name, t), name);
  const window = { padding: int(0), stride_w: int(1), stride_h: int(1) };
  const dilation = { dilation_w_factor: int(1), dilation_h_factor: int(1) };
  const node = tfliteNode;
  g.nodes = [
    node('CONV_2D', ['x', init('w1', weights([8, 3, 3, 4], 36, 0, 1)), init('b1', bias(8, 2))], 'c1', {
      ...window,
      ...dilation,
      fused_activation_function: int(fused),
    }),
    node(
      'DEPTHWISE_CONV_2D',
      ['c1', init('w2', weights([1, 3, 3, 8], 9, 3, 3)), init('b2', bias(8, 4))],
      'd1',
      {
        ...window,
        ...dilation,
        depth_multiplier: int(1),
        fused_activation_function: int(NONE),
      },
    ),
    node('RELU', ['d1'], 'r'),
    node('CONV_2D', ['r', init('w3', weights([6, 3, 3, 8], 72, 0, 5)), init('b3', bias(6, 6))], 'y', {
      ...window,
      ...dilation,
      fused_activation_function: int(NONE),
    }),
  ];
  return tfliteModel(g);
}

const image = (seed: number) => smoothImage(6, 6, 4, seed, -1, 2);
const source = generatedSource('x', [1, 6, 6, 4], 6, image);

/** Each tensor in `names` over the samples of `source`, as LiteRT computes them in the float model. */
async function activations(model: Model, names: string[], seeds: number[]): Promise<Float32Array[][]> {
  const runner = await loadTflite(exportTflite(probeModel(model, names)));
  try {
    const out: Float32Array[][] = [];
    for (const seed of seeds) {
      const r = await runner.run([image(seed)]);
      out.push(names.map((n) => floats(r[n])));
    }
    return out;
  } finally {
    runner.close();
  }
}

const withGraph = (m: Model, graph: Graph): Model => ({ ...m, graph });

/** Largest |w| per channel along `axis`. */
function channelRanges(t: { dims: readonly number[]; toFloat32(): Float32Array }, axis: number): number[] {
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const r = new Array<number>(t.dims[axis]!).fill(0);
  t.toFloat32().forEach((v, i) => {
    const c = Math.floor(i / inner) % t.dims[axis]!;
    r[c] = Math.max(r[c]!, Math.abs(v));
  });
  return r;
}

const seeds = [1, 2, 3, 4, 5, 6];

describe('cross-layer equalization on a TFLite-domain graph', () => {
  it('equalizes CONV_2D -> DEPTHWISE_CONV_2D and DEPTHWISE_CONV_2D -> RELU -> CONV_2D in their own layouts; LiteRT gives the same outputs', async () => {
    const model = chain(RELU);
    const { graph, report } = equalizeGraph(model.graph);
    expect(report.pairs.map((p) => [p.first, p.second, p.via])).toEqual([
      ['c1', 'd1', []],
      ['d1', 'y', ['RELU']],
    ]);
    expect(report.converged).toBe(true);

    // Converged: each channel's range in the first filter (OHWI axis 0) equals the depthwise filter's
    // (1HWO axis 3), which in turn matches the last conv's input channel (OHWI axis 3).
    const w = (name: string) =>
      graph.initializers.get(graph.nodes.find((n) => n.outputs[0] === name)!.inputs[1]!)!;
    const [r1, r2, r3] = [channelRanges(w('c1'), 0), channelRanges(w('d1'), 3), channelRanges(w('y'), 3)];
    for (let c = 0; c < 8; c++) {
      expect(r2[c]! / r1[c]!).toBeCloseTo(1, 2);
      expect(r3[c]! / r2[c]!).toBeCloseTo(1, 2);
    }
    const before = channelRanges(model.graph.initializers.get('w1')!, 0);
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(2);
    const [a, b] = [
      await activations(model, ['y'], seeds),
      await activations(withGraph(model, graph), ['y'], seeds),
    ];
    for (let s = 0; s < seeds.length; s++) expect(sqnr(a[s]![0]!, b[s]![0]!)).toBeGreaterThan(100);
  });

  it("a fused RELU6 blocks its pair until calibration's per-channel maxima (channels last) bound the scales", async () => {
    const model = chain(RELU6);
    const plain = equalizeGraph(model.graph).report;
    expect(plain.pairs.map((p) => p.first)).toEqual(['d1']);
    expect(plain.skipped).toEqual([
      { first: 'c1', second: 'd1', why: "CONV_2D's fused activation clips to [0, 6]" },
    ]);
    expect(clipMaximaTensors(model.graph)).toEqual(['c1']);
    const stats = await calibrateStats(model, ['c1'], source, {
      method: 'minmax',
      percentile: 100,
      channelMaxima: ['c1'],
    });
    const c1 = await activations(model, ['c1'], seeds);
    const expected = Array.from({ length: 8 }, (_, c) =>
      Math.max(...c1.flatMap(([v]) => Array.from(v!).filter((_, i) => i % 8 === c))),
    );
    expect(Array.from(stats.maxima.get('c1')!)).toEqual(expected);
    const { graph, report } = equalizeGraph(model.graph, { clipMaxima: stats.maxima });
    expect(report.pairs.map((p) => p.first)).toEqual(['c1', 'd1']);
    const [a, b] = [
      await activations(model, ['y'], seeds),
      await activations(withGraph(model, graph), ['y'], seeds),
    ];
    for (let s = 0; s < seeds.length; s++) expect(sqnr(a[s]![0]!, b[s]![0]!)).toBeGreaterThan(100);
  });
});

describe('bias correction on a TFLite-domain graph', () => {
  it('measures in LiteRT what W_q does to each output mean (SAME padding included) and lowers the biases by it, in OHWI and 1HWO', async () => {
    const model = chain(NONE);
    const g = model.graph;
    const plan = planQuantization(g, elementTypes(g), { exclude: [] });
    const qw = quantizeAllWeights(g, plan, { scheme: 'pow2', perChannel: true, biasMode: 'B16' });
    const stats = await measureShifts(model, shiftLayers(g, plan, qw), source);
    const shifts = steadyShifts(stats);
    const { graph, report } = correctBiases(g, plan, shifts);
    expect(report.corrected.map((c) => c.node)).toEqual(['c1', 'd1', 'y']);
    // Independently: the float model with one filter replaced by its int8 values times their scales,
    // against the float model, both in LiteRT; the layer's output mean per channel (last axis) moves by
    // the shift. The 6 x 6 maps under 3 x 3 SAME filters have a fifth of their taps in the padding.
    for (const [out, w, b] of [
      ['c1', 'w1', 'b1'],
      ['d1', 'w2', 'b2'],
      ['y', 'w3', 'b3'],
    ] as const) {
      const t = g.initializers.get(w)!;
      const q = qw.get(w)!;
      const axis = q.params.axis!;
      const inner = t.dims.slice(axis + 1).reduce((a, c) => a * c, 1);
      const dequantized = Array.from(
        q.values,
        (v, i) => v * q.params.scale[Math.floor(i / inner) % t.dims[axis]!]!,
      );
      const rounded = g.clone();
      rounded.initializers.set(w, Tensor.float32(t.dims, dequantized));
      const [a, r] = [
        await activations(model, [out], seeds),
        await activations(withGraph(model, rounded), [out], seeds),
      ];
      const { mean, meanSquare } = stats.get(out)!;
      const channels = mean.length;
      const [expected, squares] = [new Float64Array(channels), new Float64Array(channels)];
      let count = 0;
      for (let s = 0; s < seeds.length; s++) {
        a[s]![0]!.forEach((v, i) => {
          const d = r[s]![0]![i]! - v;
          expected[i % channels]! += d;
          squares[i % channels]! += d * d;
        });
        count += a[s]![0]!.length / channels;
      }
      expected.forEach((e, c) => expect(mean[c]).toBeCloseTo(e / count, 5));
      squares.forEach((e, c) => expect(meanSquare[c]).toBeCloseTo(e / count, 5));
      expect(mean.some((v) => Math.abs(v) > 1e-4)).toBe(true);
      // The bias moves by the mean where it is at least the spread (mean^2 >= variance), else stays.
      const steady = expected.map((e, c) => (2 * (e / count) ** 2 >= squares[c]! / count ? e / count : 0));
      const node = graph.nodes.find((n) => n.outputs[0] === out)!;
      const after = graph.initializers.get(node.inputs[2]!)!.toFloat32();
      const before = g.initializers.get(b)!.toFloat32();
      after.forEach((v, c) => expect(v).toBeCloseTo(before[c]! - steady[c]!, 5));
      expect(shifts.get(out)!.length).toBe(channels);
    }
  });
});

describe('quantizeTfliteModel with --equalize and --bias_correction', () => {
  it('refuses --bias_correction measured and chain, naming the flag and the value that applies', async () => {
    const s = settings({ scheme: 'pow2', biasMode: 'B16', biasCorrection: 'measured' });
    await expect(quantizeTfliteModel(chain(RELU6), s, source)).rejects.toThrow(
      /bias_correction.*'measured' takes an ONNX input; for a TFLite input use true/,
    );
    const c = settings({ scheme: 'affine', biasMode: 'B16', biasCorrection: 'chain' });
    await expect(quantizeTfliteModel(chain(RELU6), c, source)).rejects.toThrow(
      /bias_correction.*'chain' takes an ONNX input; for a TFLite input use true/,
    );
  });

  it('reports what each did and writes a .tflite LiteRT runs close to float', async () => {
    const model = chain(RELU6);
    const s = settings({ scheme: 'pow2', biasMode: 'B16', equalize: true, biasCorrection: true });
    const q = await quantizeTfliteModel(model, s, source);
    expect(q.equalization?.pairs.map((p) => p.first)).toEqual(['c1', 'd1']);
    expect(q.biasCorrection?.corrected.map((c) => c.node)).toEqual(['c1', 'd1', 'y']);
    expect(q.model.graph.nodes.map((n) => n.opType)).toEqual([
      'QUANTIZE',
      'CONV_2D',
      'DEPTHWISE_CONV_2D',
      'RELU',
      'CONV_2D',
      'DEQUANTIZE',
    ]);
    const [ref, out] = [
      await activations(model, ['y'], [11, 12]),
      await activations(q.model, ['y'], [11, 12]),
    ];
    for (let i = 0; i < 2; i++) expect(sqnr(ref[i]![0]!, out[i]![0]!)).toBeGreaterThan(20);
  });
});
