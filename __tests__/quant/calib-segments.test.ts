import { describe, expect, it } from 'vitest';
import { ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { createModelSession } from '../../src/runtime/ort-model.js';
import { segmentModel } from '../../src/quant/calib-segments.js';
import { calibrateStats, type Feeds, type SampleSource } from '../../src/quant/calibrate.js';
import { GraphBuilder, randomTensor } from '../helpers/graphs.js';

const SHAPE = [1, 8, 64, 64];
const SIZE = 8 * 64 * 64;

/** Conv/Relu blocks with residual Adds at 1x8x64x64 (32,768 values a map: reduced in ORT unless fetched). */
function residualChain(blocks: number) {
  const b = new GraphBuilder(7);
  let x = b.input('x', SHAPE);
  const tensors: string[] = [x];
  for (let i = 0; i < blocks; i++) {
    const w = b.weight(`w${i}`, [8, 8, 3, 3], -0.3, 0.3);
    const c = b.node('Conv', [x, w], { pads: ints([1, 1, 1, 1]) });
    const r = b.node('Relu', [c]);
    x = b.node('Add', [r, x]);
    tensors.push(c, r, x);
  }
  b.output(x);
  const model = b.model();
  const samples: Feeds[] = Array.from({ length: 5 }, () => ({ x: randomTensor(SHAPE, b.random, -2, 2) }));
  const source: SampleSource = {
    count: samples.length,
    kind: 'data',
    async *samples() {
      yield* samples;
    },
  };
  return { model, tensors, source, samples };
}

describe('calibration in segments under a fetch budget', () => {
  it('cuts so that no segment fetches more than the budget, and the segments compute what the model does', async () => {
    const { model, tensors, samples } = residualChain(6);
    const fetched = new Set(tensors.filter((_, i) => i % 2 === 1));
    const budget = 2 * SIZE;
    const segments = segmentModel(model, (n) => (fetched.has(n) ? SIZE : 0), budget);
    expect(segments.length).toBeGreaterThan(3);
    for (const s of segments) {
      const cost = [...s.computes].filter((n) => fetched.has(n)).length * SIZE;
      expect(cost).toBeLessThanOrEqual(budget);
    }
    // Run in ONNX Runtime one after the other, each fed what the earlier ones carry: the model's output.
    const whole = await createModelSession(model);
    const expected = (await whole.run(samples[0]!))[model.graph.outputs[0]!.name]!;
    await whole.close();
    let live: Record<string, Tensor> = { ...samples[0]! };
    for (const s of segments) {
      const session = await createModelSession(s.model);
      const fed = Object.fromEntries(s.inputs.map((n) => [n, live[n]!]));
      live = { ...live, ...(await session.run(fed)) };
      await session.close();
    }
    expect(live[model.graph.outputs[0]!.name]!.data).toEqual(expected.data);
  });

  it('cuts where the fewest values cross, when the values have sizes', () => {
    const { model, tensors } = residualChain(6);
    const fetched = new Set(tensors.filter((_, i) => i % 2 === 1));
    const cost = (n: string) => (fetched.has(n) ? SIZE : 0);
    // Inside a block the Conv's output and the block's input both cross a cut; after its Add, one map.
    const cut = segmentModel(model, cost, 4 * SIZE, () => SIZE);
    expect(cut.length).toBeGreaterThan(2);
    for (const s of cut.slice(0, -1)) expect(s.carry, s.carry.join()).toHaveLength(1);
    const greedy = segmentModel(model, cost, 4 * SIZE);
    expect(Math.max(...greedy.map((s) => s.carry.length))).toBeGreaterThan(1);
  });

  it('gives the ranges and histograms of one session fetching everything, for percentile and minmax', async () => {
    const { model, tensors, source } = residualChain(6);
    // pow2's exponents by error read the histograms of these: fetched whole, the others reduced in ORT.
    const histograms = tensors.filter((_, i) => i % 2 === 1);
    for (const method of ['percentile', 'minmax'] as const) {
      const opts = { method, percentile: 99.9, histograms, reduction: true };
      const one = await calibrateStats(model, tensors, source, { ...opts, fetchBudget: Infinity });
      const cut = await calibrateStats(model, tensors, source, { ...opts, fetchBudget: 2 * SIZE });
      expect(cut.ranges.size).toBe(tensors.length);
      for (const [name, r] of one.ranges) expect(cut.ranges.get(name), `${method} ${name}`).toEqual(r);
      expect([...cut.histograms.keys()].sort()).toEqual([...one.histograms.keys()].sort());
      for (const [name, h] of one.histograms) {
        expect(cut.histograms.get(name)!.width, name).toBe(h.width);
        expect(cut.histograms.get(name)!.bins, name).toEqual(h.bins);
      }
    }
  });
});
