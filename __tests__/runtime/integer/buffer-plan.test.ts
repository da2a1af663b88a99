/**
 * The plan's values share one ArrayBuffer (buffer-plan.ts): no two values alive at the same step may
 * overlap, whatever their sizes and types, and a value read again many steps later keeps what was written.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { Graph } from '../../../src/ir/graph.js';
import { placeBuffers, valueBytes, type Lifetime } from '../../../src/runtime/integer/buffer-plan.js';
import { createIntegerExecutor } from '../../../src/runtime/integer/index.js';
import { rng, TfliteGraphBuilder } from './builder.js';

describe('placeBuffers', () => {
  it('places the largest first, each at the lowest offset free over its lifetime (by hand)', () => {
    // 100 B over steps 0-1, 50 B over 1-2, 100 B over 2-3 (16-aligned: 112, 64, 112). The two large ones
    // never live together: both at 0; the small one overlaps each in time, so it goes after them.
    const { offsets, bytes } = placeBuffers([
      { bytes: 100, first: 0, last: 1 },
      { bytes: 50, first: 1, last: 2 },
      { bytes: 100, first: 2, last: 3 },
    ]);
    expect(offsets).toEqual([0, 112, 0]);
    expect(bytes).toBe(176);
  });

  it('never overlaps two values alive at the same step, on random lifetimes', () => {
    const random = rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const values: Lifetime[] = Array.from({ length: 60 }, () => {
        const first = Math.floor(random() * 40) - 1;
        const last = random() < 0.1 ? Infinity : first + Math.floor(random() * 8);
        return { bytes: 1 + Math.floor(random() * 500), first, last };
      });
      const { offsets, bytes } = placeBuffers(values);
      let live = 0;
      for (let step = -1; step < 50; step++)
        live = Math.max(
          live,
          values.reduce((n, v) => n + (v.first <= step && step <= v.last ? v.bytes : 0), 0),
        );
      expect(bytes).toBeGreaterThanOrEqual(live);
      values.forEach((a, i) => {
        expect(offsets[i]! % 16).toBe(0);
        expect(offsets[i]! + a.bytes).toBeLessThanOrEqual(bytes);
        values.forEach((b, j) => {
          if (j <= i || a.first > b.last || b.first > a.last) return;
          const apart = offsets[i]! + a.bytes <= offsets[j]! || offsets[j]! + b.bytes <= offsets[i]!;
          expect(apart, `values ${i} and ${j} overlap while both alive`).toBe(true);
        });
      });
    }
  });
});

describe('valueBytes', () => {
  it('places the graph’s values by lifetime: the most alive at one step, 16-aligned (by hand)', () => {
    // x int8 2x3 (6 B -> 16) fed, read by step 0; y int8 2x3 made by 0, read by 1; z int32 4 (16 B) made by
    // 1, a graph output. Step 0: x and y; step 1: y and z: 32 bytes (where the ops compute 6 + 16).
    const g = new Graph();
    g.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'int8', shape: [2, 3] } }];
    g.valueInfo.set('y', { name: 'y', type: { kind: 'tensor', dtype: 'int8', shape: [2, 3] } });
    g.outputs = [{ name: 'z', type: { kind: 'tensor', dtype: 'int32', shape: [4] } }];
    g.nodes = [
      { name: 'a', opType: 'ABS', domain: 'tflite', inputs: ['x'], outputs: ['y'], attrs: {} },
      { name: 'b', opType: 'CAST', domain: 'tflite', inputs: ['y'], outputs: ['z'], attrs: {} },
    ];
    expect(valueBytes(g)).toBe(32);
  });

  it('counts a chain by the two values alive at each step, not by every value it computes', () => {
    // x -> ABS -> ... (10 steps), each int8 [1000] (1008 aligned): 11 values, two alive at any step.
    const g = new Graph();
    const t = { kind: 'tensor' as const, dtype: 'int8' as const, shape: [1000] };
    g.inputs = [{ name: 'v0', type: t }];
    for (let i = 1; i < 10; i++) g.valueInfo.set(`v${i}`, { name: `v${i}`, type: t });
    g.outputs = [{ name: 'v10', type: t }];
    g.nodes = Array.from({ length: 10 }, (_, i) => ({
      name: `n${i}`,
      opType: 'ABS',
      domain: 'tflite',
      inputs: [`v${i}`],
      outputs: [`v${i + 1}`],
      attrs: {},
    }));
    expect(valueBytes(g)).toBe(2 * 1008);
  });
});

describe('integer executor buffers', () => {
  it('keeps a value read four steps later while float and int8 values of other sizes take dead ones’ places', () => {
    // x float [1, 32] -> q = QUANTIZE at 0.5 (2x) -> DEQUANTIZE (x) -> DIV by 2 (x / 2) -> QUANTIZE at 0.5
    // (x) -> ADD with q at 0.5: y = 2x + x = 3x. q is alive from step 0 to step 4.
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 32], undefined, 'float32');
    b.value('q', [1, 32], { scale: 0.5 });
    b.value('f', [1, 32], undefined, 'float32');
    b.constant('two', Tensor.float32([], [2]));
    b.value('h', [1, 32], undefined, 'float32');
    b.value('hq', [1, 32], { scale: 0.5 });
    b.value('y', [1, 32], { scale: 0.5 });
    b.node('QUANTIZE', ['x'], ['q']);
    b.node('DEQUANTIZE', ['q'], ['f']);
    b.node('DIV', ['f', 'two'], ['h']);
    b.node('QUANTIZE', ['h'], ['hq']);
    b.node('ADD', ['q', 'hq'], ['y']);
    const ex = createIntegerExecutor(b.outputs('y'), { scheme: 'affine' });
    // three float values of 128 B and three int8 ones of 32 B, never more than two float and one int8
    // alive at once: less than their sum.
    expect(ex.bufferBytes).toBeLessThan(3 * 128 + 3 * 32);
    for (const shift of [0, 3]) {
      const x = Array.from({ length: 32 }, (_, i) => ((i + shift) % 7) - 3);
      const y = ex.run({ x: Tensor.float32([1, 32], x) }).y!;
      expect(Array.from(y.data as Int8Array)).toEqual(x.map((v) => 3 * v));
    }
  });
});
