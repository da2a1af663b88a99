/**
 * A chain of table steps from one value runs as one table (lookup-chains.ts): a hard-swish as PP-OCRv4
 * det's converted graph writes it, x -> MUL by a constant -> ADD a constant -> MUL by x -> ADD a constant.
 * The step-by-step figures are the same graph with the constants fed as inputs (a fed operand is no table
 * of x, so nothing is chained): both must give the same int8 for every input value.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { INTEGER_KERNELS } from '../../../src/tflite/ops/index.js';
import { TfliteGraphBuilder } from './builder.js';

const every = Int8Array.from({ length: 256 }, (_, i) => i - 128);
const x = new Tensor('int8', [1, 4, 8, 8], every);
const SHAPE = [1, 4, 8, 8];
const CONSTANTS = { c1: 1, c2: 4, c3: -1 };

/** The chain; `fed`: its constants graph inputs; `alsoOut`: the first ADD's output a graph output too. */
function hardSwish(fed: boolean, alsoOut = false) {
  const b = new TfliteGraphBuilder();
  b.input('x', SHAPE, { scale: 2 ** -4, zeroPoint: -3 });
  for (const [name, value] of Object.entries(CONSTANTS)) {
    const q = { scale: 2 ** -3, zeroPoint: 0 };
    if (fed) b.input(name, [1], q);
    else b.int8(name, [1], [value], q);
  }
  b.value('m', SHAPE, { scale: 2 ** -6, zeroPoint: 0 });
  b.value('a', SHAPE, { scale: 2 ** -5, zeroPoint: -128 });
  b.value('p', SHAPE, { scale: 2 ** -3, zeroPoint: 4 });
  b.value('y', SHAPE, { scale: 2 ** -3, zeroPoint: 1 });
  b.node('MUL', ['x', 'c1'], ['m']);
  b.node('ADD', ['m', 'c2'], ['a'], { fused_activation_function: 1 });
  b.node('MUL', ['x', 'a'], ['p']);
  b.node('ADD', ['p', 'c3'], ['y']);
  return alsoOut ? b.outputs('y', 'a') : b.outputs('y');
}

function run(fed: boolean, opts: IntegerExecutorOptions, alsoOut = false) {
  const feeds: Record<string, Tensor> = { x };
  if (fed)
    for (const [name, value] of Object.entries(CONSTANTS))
      feeds[name] = new Tensor('int8', [1], Int8Array.of(value));
  const out = createIntegerExecutor(hardSwish(fed, alsoOut), opts).run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Int8Array)]));
}

const ARITHMETIC: IntegerExecutorOptions[] = [
  { scheme: 'pow2', rounding: 'floor' },
  { scheme: 'pow2', rounding: 'nearest' },
  { scheme: 'affine' },
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(ARITHMETIC)('a hard-swish chain (%o)', (opts) => {
  it('gives the step-by-step int8 for every input value', () => {
    const chained = run(false, opts);
    expect(new Set(chained.y).size).toBeGreaterThan(50);
    expect(chained).toEqual(run(true, opts));
  });

  it('keeps an intermediate that a graph output reads', () => {
    const chained = run(false, opts, true);
    expect(Object.keys(chained).sort()).toEqual(['a', 'y']);
    expect(chained).toEqual(run(true, opts, true));
  });

  it('runs no MUL or ADD step: one table from x', () => {
    let steps = 0;
    for (const op of ['MUL', 'ADD']) {
      const kernel = INTEGER_KERNELS.get(op)!;
      const prepare = kernel.prepare.bind(kernel);
      vi.spyOn(kernel, 'prepare').mockImplementation((cx) => {
        const k = prepare(cx);
        return { ...k, run: (i, o) => (steps++, k.run(i, o)) };
      });
    }
    run(false, opts);
    expect(steps).toBe(0);
    run(true, opts);
    expect(steps).toBe(4);
  });
});

/** x -> DEQUANTIZE -> QUANTIZE: a float island between int8 ops (the det neck's, around its resizes). */
function island() {
  const b = new TfliteGraphBuilder();
  b.input('x', SHAPE, { scale: 2 ** -4, zeroPoint: -3 });
  b.value('f', SHAPE, undefined, 'float32');
  b.value('y', SHAPE, { scale: 0.1, zeroPoint: 7 });
  b.node('DEQUANTIZE', ['x'], ['f']);
  b.node('QUANTIZE', ['f'], ['y']);
  return b.outputs('y');
}

describe('a float island', () => {
  it('runs as one table from x, with the spec arithmetic', () => {
    let steps = 0;
    for (const op of ['DEQUANTIZE', 'QUANTIZE']) {
      const kernel = INTEGER_KERNELS.get(op)!;
      const prepare = kernel.prepare.bind(kernel);
      vi.spyOn(kernel, 'prepare').mockImplementation((cx) => {
        const k = prepare(cx);
        return { ...k, run: (i, o) => (steps++, k.run(i, o)) };
      });
    }
    const y = createIntegerExecutor(island(), { scheme: 'pow2' }).run({ x }).y!.data as Int8Array;
    expect(steps).toBe(0);
    // TFLite Dequantize: f = s (q - z) in float32; AffineQuantize: round half away from zero of f / s in
    // float32, plus z, clamped to int8.
    const expected = Array.from(every, (q) => {
      const f = Math.fround(2 ** -4 * (q + 3));
      const r = Math.fround(f / Math.fround(0.1));
      const v = Math.sign(r) * Math.round(Math.abs(r)) + 7;
      return Math.min(127, Math.max(-128, v));
    });
    expect(Array.from(y)).toEqual(expected);
  });
});
