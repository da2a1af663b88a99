import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline.js';
import { float, int, ints } from '../../src/ir/attrs.js';
import type { Graph, Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { clipMaximaTensors, equalizeCrossLayer, equalizeGraph } from '../../src/passes/equalize.js';
import { optimize } from '../../src/passes/optimize.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { realModel } from '../helpers/models.js';
import { compareOrt, randomFeeds, runOrt } from '../helpers/ort-compare.js';
import { runPass, TOLERANCE } from '../helpers/passes.js';

const weightOf = (g: Graph, conv: string) => {
  const node = g.nodes.find((n) => n.name === conv)!;
  return {
    w: g.initializers.get(node.inputs[1]!)!,
    b: node.inputs[2] ? g.initializers.get(node.inputs[2])! : undefined,
  };
};

/** max |w| per output row, and per (global) input channel, of a Conv weight. */
function ranges(t: Tensor, group = 1): { rows: number[]; cols: number[] } {
  const [m, cPer] = [t.dims[0]!, t.dims[1]!];
  const inner = t.size / (m * cPer);
  const v = t.toFloat32();
  const rows = new Array<number>(m).fill(0);
  const cols = new Array<number>(cPer * group).fill(0);
  for (let i = 0; i < v.length; i++) {
    const row = Math.floor(i / (cPer * inner));
    const cin = Math.floor(row / (m / group)) * cPer + (Math.floor(i / inner) % cPer);
    rows[row] = Math.max(rows[row]!, Math.abs(v[i]!));
    cols[cin] = Math.max(cols[cin]!, Math.abs(v[i]!));
  }
  return { rows, cols };
}

interface PairSpec {
  c: number;
  mid: number;
  out: number;
  g1?: number;
  g2?: number;
  act?: string;
}

/** x [1, c, 6, 6] -> Conv 3x3 (group g1) -> act -> Conv 1x1 (group g2): conv_0 and conv_2 (conv_1 without act). */
function pair(opts: PairSpec): Model {
  const b = new GraphBuilder(3);
  const x = b.input('x', [1, opts.c, 6, 6]);
  const g1 = opts.g1 ?? 1;
  const g2 = opts.g2 ?? 1;
  // Spread the first layer's rows over two decades, as BatchNorm folding does.
  const w1 = b.weight('w1', [opts.mid, opts.c / g1, 3, 3]);
  const spread = b.g.initializers
    .get(w1)!
    .toFloat32()
    .map((v, i) => v * 10 ** ((Math.floor(i / ((opts.c / g1) * 9)) % 5) / 2 - 1));
  b.init(w1, Tensor.float32([opts.mid, opts.c / g1, 3, 3], spread));
  let y = b.node('Conv', [x, w1, b.weight('b1', [opts.mid])], { group: int(g1), pads: ints([1, 1, 1, 1]) });
  if (opts.act) y = b.node(opts.act, opts.act === 'PRelu' ? [y, b.weight('slope', [opts.mid, 1, 1])] : [y]);
  y = b.node('Conv', [y, b.weight('w2', [opts.out, opts.mid / g2, 1, 1]), b.weight('b2', [opts.out])], {
    group: int(g2),
  });
  b.output(y);
  return b.model();
}

describe('equalizeGraph', () => {
  it('hand-computed: s = sqrt(r1 / r2) balances a 1x1 Conv -> Relu -> 1x1 Conv in one step', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 2, 2]);
    const h = b.node('Conv', [
      x,
      b.init('w1', Tensor.float32([2, 1, 1, 1], [4, -1])),
      b.init('b1', Tensor.float32([2], [2, 1])),
    ]);
    const r = b.node('Relu', [h]);
    b.output(b.node('Conv', [r, b.init('w2', Tensor.float32([1, 2, 1, 1], [1, 4]))]));
    const model = b.model();
    // r1 = [4, 1], r2 = [1, 4]: s = [2, 1/2]; W1 / s = [2, -2], b1 / s = [1, 2], W2 * s = [2, 2].
    const { graph, report } = equalizeGraph(model.graph);
    expect(Array.from(weightOf(graph, 'conv_0').w.toFloat32())).toEqual([2, -2]);
    expect(Array.from(weightOf(graph, 'conv_0').b!.toFloat32())).toEqual([1, 2]);
    expect(Array.from(weightOf(graph, 'conv_2').w.toFloat32())).toEqual([2, 2]);
    expect(report.pairs).toEqual([
      {
        first: 'conv_0',
        second: 'conv_2',
        via: ['Relu'],
        channels: 2,
        pinned: 0,
        maxScale: 2,
        minScale: 0.5,
      },
    ]);
    // The second sweep finds every s = 1.
    expect(report).toMatchObject({ sweeps: 2, converged: true, skipped: [] });
    await runPass(equalizeCrossLayer, model, { feeds: randomFeeds(model, {}) });
  });

  it.each<[string, PairSpec]>([
    ['dense -> Relu -> dense', { c: 4, mid: 6, out: 5, act: 'Relu' }],
    ['depthwise -> Relu -> pointwise (MobileNet)', { c: 6, mid: 6, out: 8, g1: 6, act: 'Relu' }],
    ['dense -> depthwise, no activation', { c: 3, mid: 6, out: 6, g2: 6 }],
    ['grouped -> LeakyRelu -> grouped', { c: 4, mid: 6, out: 4, g1: 2, g2: 2, act: 'LeakyRelu' }],
    ['dense -> PRelu -> dense', { c: 4, mid: 6, out: 3, act: 'PRelu' }],
    ['dense -> MaxPool -> dense', { c: 4, mid: 6, out: 3, act: 'MaxPool' }],
  ])('%s: every channel range becomes sqrt(r1 r2), outputs unchanged in ORT', async (_, spec) => {
    const model = pair(spec);
    if (spec.act === 'MaxPool') model.graph.nodes[1]!.attrs = { kernel_shape: ints([2, 2]) };
    const { after, stats } = await runPass(equalizeCrossLayer, model);
    expect(stats).toEqual({ 'equalize-conv-pair': 1 });
    const r1 = ranges(weightOf(after.graph, 'conv_0').w, spec.g1).rows;
    const r2 = ranges(weightOf(after.graph, spec.act ? 'conv_2' : 'conv_1').w, spec.g2).cols;
    for (let i = 0; i < r1.length; i++) expect(r1[i]! / r2[i]!).toBeCloseTo(1, 4);
    // Before, the rows spanned two decades.
    const before = ranges(weightOf(model.graph, 'conv_0').w, spec.g1).rows;
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(10);
  });

  it("'pow2-fill': each first-conv channel is scaled up so that max|w| * 2^f = 127 exactly; outputs unchanged in ORT", async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 2, 2]);
    // u = 127/128 = 127 * 2^-7. Rows 0.75u, -3u, 0.5u: their grids end at 127 * 2^-f = u, 4u, 0.5u (the
    // smallest such bound >= max|w|), so phi = [0.75, 0.75, 1].
    const u = 127 / 128;
    const h = b.node('Conv', [
      x,
      b.init('w1', Tensor.float32([3, 1, 1, 1], [0.75 * u, -3 * u, 0.5 * u])),
      b.init('b1', Tensor.float32([3], [0.3, 0.6, 0.1])),
    ]);
    b.output(b.node('Conv', [b.node('Relu', [h]), b.init('w2', Tensor.float32([1, 3, 1, 1], [1, 2, 3]))]));
    const model = b.model();
    const { graph, report } = equalizeGraph(model.graph, { objective: 'pow2-fill' });
    // W1 / phi = [u, -4u, 0.5u], b1 / phi = [0.4, 0.8, 0.1], W2 * phi = [0.75, 1.5, 3].
    const close = (t: Tensor, want: number[]) =>
      Array.from(t.toFloat32()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    close(weightOf(graph, 'conv_0').w, [u, -4 * u, 0.5 * u]);
    close(weightOf(graph, 'conv_0').b!, [0.4, 0.8, 0.1]);
    close(weightOf(graph, 'conv_2').w, [0.75, 1.5, 3]);
    expect(report).toMatchObject({ sweeps: 1, converged: true });
    const agreement = await compareOrt(model, { ...model, graph }, randomFeeds(model, {}));
    expect(agreement.worstRatio).toBeLessThan(TOLERANCE);
  });

  it('sweeps a chain conv -> dw -> pw until both pairs are balanced at once', async () => {
    const b = new GraphBuilder(5);
    let y = b.input('x', [1, 3, 8, 8]);
    y = b.node('Relu', [b.node('Conv', [y, b.weight('w0', [6, 3, 3, 3], -4, 4), b.weight('b0', [6])])]);
    y = b.node('Relu', [
      b.node('Conv', [y, b.weight('w1', [6, 1, 3, 3], -0.1, 0.1), b.weight('b1', [6])], { group: int(6) }),
    ]);
    y = b.node('Conv', [y, b.weight('w2', [4, 6, 1, 1])]);
    b.output(y);
    const model = b.model();
    const { after, stats } = await runPass(equalizeCrossLayer, model);
    expect(stats).toEqual({ 'equalize-conv-pair': 2 });
    const { report } = equalizeGraph(model.graph);
    expect(report.converged).toBe(true);
    expect(report.sweeps).toBeGreaterThan(2);
    const [w0, w1, w2] = ['conv_0', 'conv_2', 'conv_4'].map((n) => weightOf(after.graph, n).w);
    const dw = ranges(w1!, 6);
    // A depthwise filter is both a row of pair 1's second layer and of pair 2's first.
    for (let i = 0; i < 6; i++) {
      expect(ranges(w0!).rows[i]! / dw.cols[i]!).toBeCloseTo(1, 3);
      expect(dw.rows[i]! / ranges(w2!).cols[i]!).toBeCloseTo(1, 3);
    }
  });

  it('leaves shared outputs, graph outputs, non-homogeneous activations and ReLU6 without maxima alone', async () => {
    const cases: [string, (b: GraphBuilder, y: string) => string, string | undefined][] = [
      ['read twice', (b, y) => (b.output(y), y), undefined],
      ['HardSigmoid', (b, y) => b.node('HardSigmoid', [y]), 'HardSigmoid is not positively homogeneous'],
      [
        'Clip(0, 6)',
        (b, y) =>
          b.node('Clip', [y, b.init('lo', Tensor.float32([], [0])), b.init('hi', Tensor.float32([], [6]))]),
        'Clip(0, 6) is not positively homogeneous',
      ],
      [
        'Clip(-1, inf)',
        (b, y) => b.node('Clip', [y, b.init('lo', Tensor.float32([], [-1]))]),
        'Clip(-1, Infinity) is not positively homogeneous',
      ],
      [
        'Clip attributes (opset 6)',
        (b, y) => b.node('Clip', [y], { min: float(0), max: float(6) }),
        'Clip(0, 6) is not',
      ],
    ];
    for (const [name, between, why] of cases) {
      const b = new GraphBuilder();
      const y = b.node('Conv', [b.input('x', [1, 2, 4, 4]), b.weight('w1', [3, 2, 1, 1])]);
      b.output(b.node('Conv', [between(b, y), b.weight('w2', [2, 3, 1, 1])]));
      const model = b.model(name.includes('opset 6') ? 6 : 13);
      const { stats } = await runPass(equalizeCrossLayer, model);
      expect(stats, name).toEqual({});
      const { report } = equalizeGraph(model.graph);
      if (why) expect(report.skipped[0]?.why, name).toContain(why);
      else expect(report.skipped).toEqual([]);
    }
  });

  it('equalizes through ReLU6 given calibrated maxima: channels near 6 keep s = 1, the rest stay below 6 / 1.25', async () => {
    const b = new GraphBuilder(11);
    const x = b.input('x', [1, 4, 6, 6]);
    // Rows from 0.05x to 1x: the large ones saturate ReLU6 on some inputs, the small ones never do.
    const w1 = b.weight('w1', [8, 4, 3, 3], -2, 2);
    const rows = b.g.initializers
      .get(w1)!
      .toFloat32()
      .map((v, i) => v * 0.05 ** (Math.floor(i / 36) / 7));
    b.init(w1, Tensor.float32([8, 4, 3, 3], rows));
    const h = b.node('Conv', [x, w1, b.weight('b1', [8])], {
      pads: ints([1, 1, 1, 1]),
    });
    const r6 = b.node('Clip', [
      h,
      b.init('lo', Tensor.float32([], [0])),
      b.init('hi', Tensor.float32([], [6])),
    ]);
    b.output(b.node('Conv', [r6, b.weight('w2', [5, 8, 1, 1], -3, 3)]));
    const model = b.model();
    expect(clipMaximaTensors(model.graph)).toEqual([h]);
    const feeds = [1, 2, 3].map((seed) => randomFeeds(model, {}, seed));
    const maxima = await channelMaxima(model, h, feeds);
    // Default headroom 1.25: a channel is pinned from 4.8 up.
    const bound = 6 / 1.25;
    expect(maxima.some((m) => m >= 6) && maxima.some((m) => m < bound)).toBe(true);
    const { graph, report } = equalizeGraph(model.graph, { clipMaxima: new Map([[h, maxima]]) });
    const pinned = maxima.filter((m) => m >= bound).length;
    expect(report.pairs).toMatchObject([{ via: ['Clip'], channels: 8, pinned }]);
    const after = ranges(weightOf(graph, 'conv_0').w).rows;
    const w1Before = ranges(weightOf(model.graph, 'conv_0').w).rows;
    const s = w1Before.map((r, i) => r / after[i]!);
    for (let i = 0; i < 8; i++) {
      if (maxima[i]! >= bound) expect(s[i]).toBeCloseTo(1, 6);
      else expect(maxima[i]! / s[i]!).toBeLessThanOrEqual(bound * (1 + 1e-6));
    }
    // Some channel is scaled up (s < 1) only as far as its maximum reaching 6 / 1.25.
    expect(s.some((v, i) => v < 1 && Math.abs(maxima[i]! / v / bound - 1) < 1e-6)).toBe(true);
    // Exact on the samples the maxima come from.
    for (const f of feeds) {
      const agreement = await compareOrt(model, { ...model, graph }, f);
      expect(agreement.worstRatio).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('PaddleOCR cls: 15 pairs (Relu and linear), outputs unchanged in ORT', async () => {
    const real = realModel('PaddleOCR cls');
    const model = optimize(real.load()).model;
    const { stats } = await runPass(equalizeCrossLayer, model, { feeds: real.feeds(model) });
    expect(stats).toEqual({ 'equalize-conv-pair': 15 });
  });

  it('PaddleOCR det: 18 pairs, outputs unchanged in ORT', async () => {
    const real = realModel('PaddleOCR det');
    const model = optimize(real.load()).model;
    const { stats } = await runPass(equalizeCrossLayer, model, { feeds: real.feeds(model) });
    expect(stats).toEqual({ 'equalize-conv-pair': 18 });
  });

  it('a dead channel (weights ~ 0, bias > 0) is scaled up 16x at most by default', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 2, 2]);
    const w1 = b.init('w1', Tensor.float32([2, 1, 1, 1], [1e-30, 1]));
    const h = b.node('Relu', [b.node('Conv', [x, w1, b.init('b1', Tensor.float32([2], [0.5, 0]))])]);
    b.output(b.node('Conv', [h, b.init('w2', Tensor.float32([1, 2, 1, 1], [1, 1]))]));
    const model = b.model();
    // Unbounded, s = sqrt(1e-30 / 1) = 1e-15 would make the channel's constant 0.5 a 5e14.
    expect(equalizeGraph(model.graph, { maxScale: Infinity }).report.pairs[0]!.minScale).toBeCloseTo(
      1e-15,
      20,
    );
    const { after } = await runPass(equalizeCrossLayer, model);
    expect(weightOf(after.graph, 'conv_0').b!.toFloat32()[0]).toBeCloseTo(8, 5);
  });

  it('bounds each channel scale by maxScale and skips excluded convs', () => {
    const model = pair({ c: 4, mid: 6, out: 5, act: 'Relu' });
    const free = equalizeGraph(model.graph).report.pairs[0]!;
    expect(free.maxScale / free.minScale).toBeGreaterThan(4);
    const bounded = equalizeGraph(model.graph, { maxScale: 1.5 }).report.pairs[0]!;
    expect(bounded.maxScale).toBeLessThanOrEqual(1.5);
    expect(bounded.minScale).toBeGreaterThanOrEqual(1 / 1.5);
    expect(equalizeGraph(model.graph, { exclude: ['conv_2'] }).report.pairs).toEqual([]);
  });
});

/** Per-channel maximum of a tensor over the given feeds, from ORT. */
async function channelMaxima(
  model: Model,
  tensor: string,
  feeds: Record<string, Tensor>[],
): Promise<Float64Array> {
  const g = model.graph.clone();
  g.outputs.push({ name: tensor });
  let out = new Float64Array(0);
  for (const f of feeds) {
    const t = (await runOrt({ ...model, graph: g }, f))[tensor]!;
    const [c, inner] = [t.dims[1]!, t.size / t.dims[1]!];
    if (out.length === 0) out = new Float64Array(c).fill(-Infinity);
    t.toFloat32().forEach((v, i) => (out[Math.floor(i / inner)] = Math.max(out[Math.floor(i / inner)]!, v)));
  }
  return out;
}

describe('equalization in quantizeFloatModel', () => {
  it('a MobileNet-like ReLU6 chain: maxima from one extra pass, pairs equalized, floatReference exact on the samples', async () => {
    const b = new GraphBuilder(21);
    let y = b.input('x', [1, 3, 8, 8]);
    const relu6 = (v: string) => b.node('Clip', [v, 'zero', 'six']);
    b.init('zero', Tensor.float32([], [0]));
    b.init('six', Tensor.float32([], [6]));
    y = relu6(
      b.node('Conv', [y, b.weight('w0', [8, 3, 3, 3], -2, 2), b.weight('b0', [8])], {
        pads: ints([1, 1, 1, 1]),
      }),
    );
    y = relu6(
      b.node('Conv', [y, b.weight('w1', [8, 1, 3, 3], -0.2, 0.2), b.weight('b1', [8])], {
        group: int(8),
        pads: ints([1, 1, 1, 1]),
      }),
    );
    y = relu6(b.node('Conv', [y, b.weight('w2', [6, 8, 1, 1]), b.weight('b2', [6])]));
    b.output(y);
    const model = b.model();
    const feeds = [1, 2, 3, 4].map((seed) => randomFeeds(model, {}, seed));
    const source: SampleSource = {
      count: feeds.length,
      kind: 'data',
      samples: async function* () {
        yield* feeds;
      },
    };
    const passes = new Set<number>();
    const settings: QuantSettings = {
      scheme: 'pow2',
      biasMode: 'B16',
      perChannel: true,
      calibMethod: 'minmax',
      percentile: 100,
      exclude: [],
      equalize: true,
    };
    const q = await quantizeFloatModel(model, settings, source, { onSample: (pass) => passes.add(pass) });
    expect([...passes].sort()).toEqual([0, 1]);
    expect(q.equalization!.pairs.map((p) => [p.first, p.via, p.second])).toEqual([
      ['conv_0', ['Clip'], 'conv_2'],
      ['conv_2', ['Clip'], 'conv_4'],
    ]);
    for (const f of feeds)
      expect((await compareOrt(model, q.floatReference, f)).worstRatio).toBeLessThanOrEqual(TOLERANCE);
    expect(q.floatReference.graph.nodes.map((n) => n.opType)).toEqual(model.graph.nodes.map((n) => n.opType));
    // Off: no extra pass, no report, the reference is the input graph.
    const off = await quantizeFloatModel(model, { ...settings, equalize: false }, source);
    expect(off.equalization).toBeUndefined();
    expect(off.floatReference.graph.initializers.get('w0')).toBe(model.graph.initializers.get('w0'));
  });

  it('mobilenet_v1_bn: all 26 pairs through ReLU6; floatReference exact on calibration and held-out samples', async () => {
    const model = optimize(realModel('mobilenet_v1_bn').load()).model;
    const files = listSampleFiles(
      new URL('../../examples/mobilenet_v1_bn/samples', import.meta.url).pathname,
    );
    const inputs = model.graph.runtimeInputs();
    const settings: QuantSettings = {
      scheme: 'pow2',
      biasMode: 'B16',
      perChannel: true,
      calibMethod: 'minmax',
      percentile: 100,
      exclude: [],
      equalize: true,
    };
    const q = await quantizeFloatModel(model, settings, fileSamples(files.slice(0, 24), inputs));
    expect(q.equalization!.pairs.length).toBe(26);
    expect(q.equalization!.pairs.every((p) => p.via[0] === 'Clip')).toBe(true);
    expect(q.equalization!.converged).toBe(true);
    // The headroom over the calibrated maxima covers inputs the maxima were not taken on.
    for await (const feeds of fileSamples([...files.slice(0, 4), ...files.slice(24, 36)], inputs).samples()) {
      expect((await compareOrt(model, q.floatReference, feeds)).worstRatio).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it("mobilenet_v1_bn, the original's example (pow2 B16, input_scale 10): equalization raises output SQNR (exact arithmetic)", async () => {
    const sqnr = async (equalize: boolean) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-eq-'));
      const { report } = await quantizeModel(
        parseOptions({
          input: 'examples/mobilenet_v1_bn.onnx',
          output: dir,
          input_scale: '10',
          bias_mode: 'B16',
          calib_data: 'examples/mobilenet_v1_bn/samples',
          eval_data: 'examples/mobilenet_v1_bn/samples',
          equalize: String(equalize),
          formats: 'onnx',
          // Files for runtimes that round (floor files carry the truncating hardware's offsets).
          rounding: 'nearest',
        }),
      );
      return report.outputs[0]!.metrics!.output!.sqnrDb;
    };
    const off = await sqnr(false);
    const on = await sqnr(true);
    expect(on).toBeGreaterThan(off);
  });
});
