import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { Graph, type Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { createModelSession } from '../../src/runtime/ort-model.js';
import { IN_MEMORY_MODEL } from '../../src/runtime/ort.js';

/** y = relu(x·W + b), W 16x8: small enough to compute by hand in the test. */
function mlp(w: Float32Array, b: Float32Array): Model {
  const g = new Graph();
  g.name = 'mlp';
  g.initializers.set('W', Tensor.float32([16, 8], w));
  g.initializers.set('b', Tensor.float32([8], b));
  g.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, 16] } }];
  g.outputs = [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [1, 8] } }];
  g.nodes = [
    { name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['xw'], attrs: {} },
    { name: 'add', opType: 'Add', domain: '', inputs: ['xw', 'b'], outputs: ['z'], attrs: {} },
    { name: 'relu', opType: 'Relu', domain: '', inputs: ['z'], outputs: ['y'], attrs: {} },
  ];
  return {
    format: 'onnx',
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    metadata: [],
    graph: g,
  };
}

const sessionDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('model-quant-session-'));

describe('createModelSession: a graph built in memory handed to ONNX Runtime', () => {
  // Small integers: every product and sum is exact in float32, so the expected values are exact too.
  const w = Float32Array.from({ length: 128 }, (_, i) => ((i * 7) % 5) - 2);
  const b = Float32Array.from({ length: 8 }, (_, j) => j - 4);
  const x = Float32Array.from({ length: 16 }, (_, i) => (i % 3) - 1);
  const expected = Array.from({ length: 8 }, (_, j) => {
    let s = b[j]!;
    for (let i = 0; i < 16; i++) s += x[i]! * w[i * 8 + j]!;
    return Math.max(0, s);
  });

  it.each([
    ['as bytes (weights under the threshold)', Infinity],
    ['as a file with external data (weights over it)', 0],
  ])('runs the model %s, and leaves no temporary folder', async (_, fileBytes) => {
    const before = sessionDirs();
    const s = await createModelSession(mlp(w, b), { fileBytes });
    try {
      expect(sessionDirs()).toEqual(before);
      const out = await s.run({ x: Tensor.float32([1, 16], x) });
      expect([...(out.y!.data as Float32Array)]).toEqual(expected);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['bytes', Infinity],
    ['a file', 0],
  ])(
    'onEncoded comes once the model is encoded as %s: the IR can drop its weights and ORT still runs them',
    async (_, fileBytes) => {
      const model = mlp(w, b);
      let calls = 0;
      const s = await createModelSession(model, {
        fileBytes,
        onEncoded: () => {
          calls++;
          model.graph.initializers.clear();
        },
      });
      try {
        expect(calls).toBe(1);
        const out = await s.run({ x: Tensor.float32([1, 16], x) });
        expect([...(out.y!.data as Float32Array)]).toEqual(expected);
      } finally {
        await s.close();
      }
    },
  );

  it('a graph ORT refuses is an error naming the in-memory model, and its folder is removed', async () => {
    const bad = mlp(w, b);
    bad.graph.nodes[0]!.opType = 'NoSuchOp';
    const before = sessionDirs();
    const err = await createModelSession(bad, { fileBytes: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe(IN_MEMORY_MODEL);
    expect((err as Error).message).toMatch(/NoSuchOp/);
    expect(sessionDirs()).toEqual(before);
  });
});
