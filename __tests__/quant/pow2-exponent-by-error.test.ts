import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { Feeds, SampleSource } from '../../src/quant/calibrate.js';
import { magnitudeError, pow2ScaleByError } from '../../src/quant/params.js';
import { quantizeFloatModel, type Pow2Exponents, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder, rng } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';

const N = 2000;
const INPUT_SCALE = 10;

/**
 * A residual sum gated by a second branch, out = (x + y) * g, as PP-OCRv4 rec's blocks have them: x and
 * y are mostly under 1 with rare large values (one position in 500, +-6.6 in both), so the range of x + y
 * is some fifteen times its typical size: covering it takes a step of 0.2 where 0.1 clips 16 values of
 * 8000 by 0.5 and rounds the rest twice as finely.
 */
function gatedResidual() {
  const b = new GraphBuilder();
  const s = b.node('Add', [b.input('x', [1, N]), b.input('y', [1, N])]);
  b.output(b.node('Mul', [s, b.input('g', [1, N])]));
  return { model: b.model(13), sum: s };
}

function samples(count: number, seed: number): Feeds[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const x = new Float32Array(N);
    const y = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const outlier = next() < 0.002 ? (next() < 0.5 ? -6.6 : 6.6) : 0;
      x[i] = outlier || (next() + next() + next() - 1.5) * 0.6;
      y[i] = outlier || next() - 0.5;
    }
    const g = Float32Array.from({ length: N }, () => next());
    return { x: Tensor.float32([1, N], x), y: Tensor.float32([1, N], y), g: Tensor.float32([1, N], g) };
  });
}

const SUM = 'int8_sum';

/** The QDQ model with the dequantized int8 value of `sum` as an extra output, SUM. */
function withSum(m: Model, sum: string): Model {
  const g = m.graph.clone();
  const dq = g.nodes.find((n) => n.opType === 'DequantizeLinear' && n.inputs[0] === `${sum}_q`)!;
  g.nodes.push({
    name: '',
    opType: 'Identity',
    domain: '',
    inputs: [dq.outputs[0]!],
    outputs: [SUM],
    attrs: {},
  });
  g.outputs.push({ name: SUM });
  return { ...m, graph: g };
}

const source = (feeds: Feeds[]): SampleSource => ({
  count: feeds.length,
  kind: 'data',
  async *samples() {
    yield* feeds;
  },
});

const settings = (exponents: Pow2Exponents): QuantSettings => ({
  scheme: 'pow2',
  biasMode: 'B16',
  perChannel: true,
  inputScale: { kind: 'all', value: INPUT_SCALE },
  calibMethod: 'percentile',
  percentile: 100,
  exclude: [],
  pow2Exponents: exponents,
});

/**
 * QuantizeLinear then DequantizeLinear as ONNX defines them, in float32 as ONNX Runtime computes them:
 * x / scale, rounded half to even, saturated to int8, times scale.
 */
const quantize = (v: number, step: number) => {
  const s32 = Math.fround(step);
  const r = Math.fround(Math.fround(v) / s32);
  const f = Math.floor(r);
  const q = r - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(r);
  return Math.fround(Math.max(-128, Math.min(127, q)) * s32);
};

describe('pow2 activation exponents by error', () => {
  const calib = samples(4, 1);
  const held = samples(4, 2);

  it('picks, for a residual sum, the grid of least squared error on the calibration values', async () => {
    const { model, sum } = gatedResidual();
    const q = await quantizeFloatModel(model, settings('error'), source(calib));
    // By hand: the range grid (2^n / 8 with n the smallest covering max |x + y| in 127 steps) and the
    // exact squared error of each grid 2^1 .. 2^-3 times it over every calibrated value of x + y.
    const values = calib.flatMap((f) => {
      const [x, y] = [f.x!.toFloat32(), f.y!.toFloat32()];
      return Array.from(x, (v, i) => Math.fround(v + y[i]!));
    });
    const max = Math.max(...values.map(Math.abs));
    const rangeStep = 2 ** Math.ceil(Math.log2((max * INPUT_SCALE) / 127)) / INPUT_SCALE;
    const sse = (step: number) => values.reduce((s, v) => s + (v - quantize(v, step)) ** 2, 0);
    const candidates = [2, 1, 0.5, 0.25, 0.125].map((k) => rangeStep * k);
    const best = candidates.reduce((a, b) => (sse(b) < sse(a) ? b : a));
    expect(best).toBeLessThan(rangeStep);
    expect(q.activations.get(sum)!.scale[0]).toBe(best);
  });

  it('runs in ONNX Runtime as the shift-only arithmetic computed by hand, and nearer the float model', async () => {
    const { model, sum } = gatedResidual();
    const byError = await quantizeFloatModel(model, settings('error'), source(calib));
    const byRange = await quantizeFloatModel(model, settings('range'), source(calib));
    const out = model.graph.outputs[0]!.name;
    const [sStep, oStep] = [sum, out].map((t) => byError.activations.get(t)!.scale[0]!);
    let exact = 0;
    const err = { byError: 0, byRange: 0 };
    for (const feeds of held) {
      const [x, y, g] = ['x', 'y', 'g'].map((k) => feeds[k]!.toFloat32());
      const got = await runOrt(withSum(byError.model, sum), feeds);
      const ort = got[out]!.toFloat32();
      const ranged = (await runOrt(withSum(byRange.model, sum), feeds))[SUM]!.toFloat32();
      for (let i = 0; i < N; i++) {
        const step = 1 / INPUT_SCALE;
        const s = quantize(Math.fround(quantize(x[i]!, step) + quantize(y[i]!, step)), sStep);
        const hand = quantize(Math.fround(s * quantize(g[i]!, step)), oStep);
        // float32 sums in ORT can land a hair off a rounding tie that the hand sum hits: one step at most.
        expect(Math.abs(ort[i]! - hand)).toBeLessThanOrEqual(oStep * 1.0001);
        if (ort[i] === hand) exact++;
        const float = Math.fround(x[i]! + y[i]!);
        err.byError += (got[SUM]!.toFloat32()[i]! - float) ** 2;
        err.byRange += (ranged[i]! - float) ** 2;
      }
    }
    expect(exact / (held.length * N)).toBeGreaterThan(0.99);
    // On samples calibration did not see, the int8 sum is nearer the float one: a finer grid.
    expect(err.byError).toBeLessThan(0.5 * err.byRange);
  });

  it('conv-inputs: by error only for a tensor that Conv alone reads', async () => {
    // The same residual sum twice, [1, 1, 1, N]: one copy read by a 1x1 Conv, the other by the gating Mul.
    const b = new GraphBuilder();
    const [x, y, g] = ['x', 'y', 'g'].map((n) => b.input(n, [1, 1, 1, N]));
    const toConv = b.node('Add', [x!, y!]);
    const toMul = b.node('Add', [x!, y!]);
    b.output(b.node('Conv', [toConv, b.init('w', Tensor.float32([1, 1, 1, 1], [0.5]))]));
    b.output(b.node('Mul', [toMul, g!]));
    const as4d = calib.map((f) =>
      Object.fromEntries(Object.entries(f).map(([k, t]) => [k, Tensor.float32([1, 1, 1, N], t.toFloat32())])),
    );
    const q = await quantizeFloatModel(b.model(13), settings('conv-inputs'), source(as4d));
    const [convStep, mulStep] = [toConv, toMul].map((t) => q.activations.get(t)!.scale[0]!);
    // The range grid of both (the same values), and the finer one 'error' picks for every tensor.
    const all = await quantizeFloatModel(b.model(13), settings('error'), source(as4d));
    const ranged = await quantizeFloatModel(b.model(13), settings('range'), source(as4d));
    expect(mulStep).toBe(ranged.activations.get(toMul)!.scale[0]);
    expect(convStep).toBe(all.activations.get(toConv)!.scale[0]);
    expect(convStep).toBeLessThan(mulStep);
  });

  it('by default (sum-inputs), by error for a tensor a sum reads, unless a data-moving op made it', async () => {
    // x + y four times: read by an Add and a Mul, by a ReduceMean, by a MatMul (with a constant), and by the gating
    // Mul alone; and Concat(x, y), whose values are x's and y's, read by an Add.
    const b = new GraphBuilder();
    const [x, y, g] = ['x', 'y', 'g'].map((n) => b.input(n, [1, N]));
    const [toAdd, toMean, toMatMul, toMul] = [0, 1, 2, 3].map(() => b.node('Add', [x!, y!]));
    // Read by the Mul too: an operand only an Add reads is raised to the sum's own grid (assign.ts).
    b.output(b.node('Add', [toAdd!, g!]));
    b.output(b.node('Mul', [toAdd!, g!]));
    b.output(b.node('ReduceMean', [toMean!], { keepdims: { kind: 'int', value: 1 } }));
    b.output(
      b.node('MatMul', [toMatMul!, b.init('w', Tensor.float32([N, 1], new Float32Array(N).fill(0.01)))]),
    );
    b.output(b.node('Mul', [toMul!, g!]));
    const joined = b.node('Concat', [x!, y!], { axis: { kind: 'int', value: 1 } });
    b.output(b.node('Add', [joined, b.node('Concat', [g!, g!], { axis: { kind: 'int', value: 1 } })]));
    const s = settings('sum-inputs');
    delete s.pow2Exponents;
    const q = await quantizeFloatModel(b.model(13), s, source(calib));
    // By hand, as in the first case: the range grid of x + y and of the values of x and y (percentile 100),
    // and the grid of least squared error over the calibrated x + y.
    const sums = calib.flatMap((f) => {
      const [xv, yv] = [f.x!.toFloat32(), f.y!.toFloat32()];
      return Array.from(xv, (v, i) => Math.fround(v + yv[i]!));
    });
    const rangeStep = (values: number[]) =>
      2 ** Math.ceil(Math.log2((Math.max(...values.map(Math.abs)) * INPUT_SCALE) / 127)) / INPUT_SCALE;
    const sse = (step: number) => sums.reduce((acc, v) => acc + (v - quantize(v, step)) ** 2, 0);
    const sumRange = rangeStep(sums);
    const best = [2, 1, 0.5, 0.25, 0.125]
      .map((k) => sumRange * k)
      .reduce((a, c) => (sse(c) < sse(a) ? c : a));
    expect(best).toBeLessThan(sumRange);
    const step = (t: string) => q.activations.get(t)!.scale[0];
    expect(step(toAdd!)).toBe(best);
    expect(step(toMean!)).toBe(best);
    expect(step(toMatMul!)).toBe(best);
    expect(step(toMul!)).toBe(sumRange);
    const moved = calib.flatMap((f) => [...f.x!.toFloat32(), ...f.y!.toFloat32()]);
    expect(step(joined)).toBe(rangeStep(moved));
  });

  it('prefers the wider grid when a narrower one would clip values away', () => {
    // 100 values near 10 and 100 near 0.6, on bins of width 0.25 over [0, 12]: the range grid (step 10/127
    // rounded up to 1/8) keeps 10; half that step clips 10 to 7.9, an error far above the rounding saved.
    const bins = new Float64Array(48);
    bins[2] = 100;
    bins[40] = 100;
    const h = { bins, width: 0.25 };
    expect(pow2ScaleByError(h, 0.125)).toBe(0.125);
    expect(magnitudeError(h, 0.0625)).toBeGreaterThan(magnitudeError(h, 0.125));
  });
});
