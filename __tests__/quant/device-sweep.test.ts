/**
 * The device swept depth by depth over the samples (src/quant/tflite/device-sweep.ts), which the floor
 * settles run instead of one whole device run per settled depth: each value it gives must be the one the
 * whole integer executor computes on the model the sweep ends with, the biases a depth moves must reach
 * every value after them and none before, and a depth's hook must come once every value its layers read
 * is in. The expected values are the whole executor's (one plan over the whole graph), not the sweep's.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { settleBySweep, sweepDevice } from '../../src/quant/tflite/device-sweep.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../src/runtime/integer/index.js';
import { randomInt8, rng, TfliteGraphBuilder } from '../runtime/integer/builder.js';

const DEVICE = { scheme: 'pow2', rounding: 'floor', biasMode: 'B16' } as const;
const TWIN = { scheme: 'pow2', rounding: 'nearest', accumulatorRounding: 'floor', biasMode: 'B16' } as const;

/** The conv/FC layers: bias name, output, depth (conv/FC layers before it on the longest path). */
const LAYERS = [
  { bias: 'bA', input: 'xq', output: 'a', depth: 0 },
  { bias: 'bB', input: 'a', output: 'bb', depth: 1 },
  { bias: 'bC', input: 's', output: 'c', depth: 2 },
  { bias: 'bD', input: 'm', output: 'd', depth: 3 },
];
const VALUES = ['xq', 'a', 'bb', 's', 'c', 'm', 'd', 'y'];

/**
 * x (float) -> QUANTIZE -> CONV_2D A (ReLU) -> DEPTHWISE B -> ADD(B, A) -> CONV_2D C (stride 2) -> MEAN ->
 * FC D -> LOGISTIC: a skip past B (the ADD is read at depth 2 with A's output from depth 0), a head after
 * the last layer. pow2 scales throughout, random weights and biases.
 */
function model(): Model {
  const r = rng(7);
  const b = new TfliteGraphBuilder();
  const bias = (name: string, n: number, scale: number) =>
    b.int32(
      name,
      [n],
      Array.from({ length: n }, () => Math.floor(r() * 4000) - 2000),
      { scale: Array(n).fill(scale) },
    );
  b.input('x', [1, 6, 6, 3], undefined, 'float32');
  b.value('xq', [1, 6, 6, 3], { scale: 2 ** -4 });
  b.node('QUANTIZE', ['x'], ['xq']);
  b.int8('wA', [4, 3, 3, 3], randomInt8(108, r, -60, 60), { scale: Array(4).fill(2 ** -6) });
  bias('bA', 4, 2 ** -10);
  b.value('a', [1, 6, 6, 4], { scale: 2 ** -3 });
  b.node('CONV_2D', ['xq', 'wA', 'bA'], ['a'], {
    padding: 0,
    stride_w: 1,
    stride_h: 1,
    fused_activation_function: 1,
  });
  b.int8('wB', [1, 3, 3, 4], randomInt8(36, r, -60, 60), { scale: Array(4).fill(2 ** -5), axis: 3 });
  bias('bB', 4, 2 ** -8);
  b.value('bb', [1, 6, 6, 4], { scale: 2 ** -3 });
  b.node('DEPTHWISE_CONV_2D', ['a', 'wB', 'bB'], ['bb'], {
    padding: 0,
    stride_w: 1,
    stride_h: 1,
    depth_multiplier: 1,
  });
  b.value('s', [1, 6, 6, 4], { scale: 2 ** -2 });
  b.node('ADD', ['bb', 'a'], ['s']);
  b.int8('wC', [4, 1, 1, 4], randomInt8(16, r, -60, 60), { scale: Array(4).fill(2 ** -6) });
  bias('bC', 4, 2 ** -8);
  b.value('c', [1, 3, 3, 4], { scale: 2 ** -2 });
  b.node('CONV_2D', ['s', 'wC', 'bC'], ['c'], { padding: 0, stride_w: 2, stride_h: 2 });
  b.int32('axes', [2], [1, 2]);
  b.value('m', [1, 4], { scale: 2 ** -3 });
  b.node('MEAN', ['c', 'axes'], ['m'], { keep_dims: 0 });
  b.int8('wD', [2, 4], randomInt8(8, r, -60, 60), { scale: [2 ** -6, 2 ** -6] });
  bias('bD', 2, 2 ** -9);
  b.value('d', [1, 2], { scale: 2 ** -3 });
  b.node('FULLY_CONNECTED', ['m', 'wD', 'bD'], ['d']);
  b.value('y', [1, 2], { scale: 1 / 256, zeroPoint: -128 });
  b.node('LOGISTIC', ['d'], ['y']);
  return b.outputs('y');
}

/** Six random inputs in [-4, 4). */
function inputs(): Tensor[] {
  const r = rng(11);
  return Array.from({ length: 6 }, () =>
    Tensor.float32(
      [1, 6, 6, 3],
      Array.from({ length: 108 }, () => r() * 8 - 4),
    ),
  );
}
const samples = (xs: Tensor[]) =>
  async function* () {
    for (const x of xs) yield { x };
  };

/** The model with each named bias raised by `by` accumulator steps. */
function moved(m: Model, names: string[], by: number): Model {
  const g = m.graph.clone();
  for (const name of names) {
    const t = g.initializers.get(name)!;
    const next = new Tensor(
      'int32',
      t.dims,
      Int32Array.from(t.data as Int32Array, (v) => v + by),
    );
    next.quant = t.quant;
    g.initializers.set(name, next);
  }
  return { ...m, graph: g };
}

/** Every value of VALUES on each input, by the whole executor. */
function whole(m: Model, xs: Tensor[], options: IntegerExecutorOptions): Map<string, number[][]> {
  const g = m.graph.clone();
  for (const name of VALUES) if (!g.outputs.some((v) => v.name === name)) g.outputs.push({ name });
  const ex = createIntegerExecutor({ ...m, graph: g }, options);
  const out = new Map<string, number[][]>(VALUES.map((v) => [v, []]));
  for (const x of xs) {
    const r = ex.run({ x });
    for (const v of VALUES) out.get(v)!.push(Array.from(r[v]!.data as Int8Array));
  }
  return out;
}

describe('device sweep', () => {
  for (const [name, options] of [
    ['device', DEVICE],
    ['twin', TWIN],
  ] as const)
    it(`${name}: each value is the whole executor's on the model it ends with; a depth's hook comes once its layers' inputs are in, before their outputs`, async () => {
      const xs = inputs();
      const seen = new Map<string, number[][]>(VALUES.map((v) => [v, []]));
      const depths: number[] = [];
      let current = model();
      const swept = await sweepDevice(current, VALUES, options, samples(xs), {
        onValue: (v, t, sample) => {
          expect(sample).toBe(seen.get(v)!.length);
          seen.get(v)!.push(Array.from(t.data as Int8Array));
        },
        atDepth: (depth) => {
          depths.push(depth);
          for (const l of LAYERS) {
            if (l.depth === depth) expect(seen.get(l.input)!.length).toBe(xs.length);
            if (l.depth >= depth) expect(seen.get(l.output)!.length).toBe(0);
          }
          // Every layer of this depth moves, by an amount that changes what follows.
          const names = LAYERS.filter((l) => l.depth === depth).map((l) => l.bias);
          return (current = moved(current, names, 300 * (depth + 1)));
        },
      });
      expect(depths).toEqual([0, 1, 2, 3]);
      expect(swept.model).toBe(current);
      const expected = whole(current, xs, options);
      for (const v of VALUES) expect(seen.get(v), v).toEqual(expected.get(v));
      // The moves matter: the original model gives other values after the first layer.
      expect(whole(model(), xs, options).get('a')).not.toEqual(expected.get('a'));
    });

  it('a sweep from the frontier kept before a depth gives the whole run of the model moved at that depth', async () => {
    const xs = inputs();
    const m = model();
    const first = await sweepDevice(m, VALUES, DEVICE, samples(xs), { onValue: () => {} }, 2);
    expect(first.frontier?.stage).toBe(2);
    // C (depth 2) and D (depth 3) move; what C reads (s) is the same as in the first sweep.
    const next = moved(m, ['bC', 'bD'], 500);
    const seen = new Map<string, number[][]>([
      ['c', []],
      ['y', []],
    ]);
    await sweepDevice(next, ['c', 'y'], DEVICE, first.frontier!, {
      onValue: (v, t) => seen.get(v)!.push(Array.from(t.data as Int8Array)),
    });
    const expected = whole(next, xs, DEVICE);
    expect(seen.get('c')).toEqual(expected.get('c'));
    expect(seen.get('y')).toEqual(expected.get('y'));
    expect(expected.get('c')).not.toEqual(whole(m, xs, DEVICE).get('c'));
  });
  /**
   * settleBySweep, the floor settles' loop: a depth none of whose layers differs is skipped without a pass,
   * at most maxPasses depths move, each on a copy the next depth's values are computed with, and passes
   * counts the settled depths plus one (settle-passes.ts' count, which the report's floorCorrections keeps).
   */
  it('settleBySweep: skips depths that do not differ, stops at the pass budget, counts passes as settleByDepth', async () => {
    const xs = inputs();
    const m = model();
    const layers = LAYERS.map((l) => ({ ...l }));
    const moves: string[] = [];
    const settled = await settleBySweep(
      m,
      layers,
      { watched: ['d'], options: DEVICE, samples: samples(xs) },
      {
        maxPasses: 2,
        onValue: () => {},
        // Depth 1 (B) already agrees: no pass for it.
        differs: (l) => l.depth !== 1,
        move: (g, l) => {
          moves.push(l.bias);
          const t = g.initializers.get(l.bias)!;
          const next = new Tensor(
            'int32',
            t.dims,
            Int32Array.from(t.data as Int32Array, (v) => v + 400),
          );
          next.quant = t.quant;
          g.initializers.set(l.bias, next);
          return true;
        },
      },
    );
    // A (depth 0) and C (depth 2) take the two passes; D (depth 3) is past the budget.
    expect(moves).toEqual(['bA', 'bC']);
    expect(settled.corrected).toBe(2);
    expect(settled.passes).toBe(3);
    // The model it ends with is the input model with exactly those biases moved (the input is untouched).
    const expected = moved(moved(m, ['bA'], 400), ['bC'], 400);
    for (const l of LAYERS)
      expect(Array.from(settled.model.graph.initializers.get(l.bias)!.data as Int32Array), l.bias).toEqual(
        Array.from(expected.graph.initializers.get(l.bias)!.data as Int32Array),
      );
    expect(Array.from(m.graph.initializers.get('bA')!.data as Int32Array)).toEqual(
      Array.from(model().graph.initializers.get('bA')!.data as Int32Array),
    );
  });
});
