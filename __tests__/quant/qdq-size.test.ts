import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import { writeTflite } from '../../src/formats/tflite/write.js';
import { SHARED_BUFFER_BYTES } from '../../src/formats/tflite/export.js';
import { Graph, type Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { shareConstants } from '../../src/passes/share-constants.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { loadTflite } from '../../src/runtime/litert.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { syntheticSamples } from '../../src/quant/samples.js';

/** Quantizes an example (few samples) and returns the written files. */
async function quantizeExample(stem: string, flags: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-size-'));
  await quantizeModel(
    parseOptions({ input: `examples/${stem}.onnx`, output: dir, calib_samples: '4', ...flags }),
  );
  return {
    dir,
    onnx: path.join(dir, `${stem}_quant.onnx`),
    tflite: path.join(dir, `${stem}_quant.tflite`),
  };
}

const isQdq = (op: string) => op === 'QuantizeLinear' || op === 'DequantizeLinear';

/** The same graph with every Q/DQ node reading its own copy of each scale and zero point. */
function unshared(m: Model): Model {
  const g = m.graph.clone();
  let k = 0;
  for (const n of g.nodes) {
    if (!isQdq(n.opType)) continue;
    n.inputs = n.inputs.map((name, i) => {
      const t = g.initializers.get(name);
      if (i === 0 || !t) return name;
      const copy = `copy${k++}_${name}`;
      g.initializers.set(copy, t);
      return copy;
    });
  }
  return { ...m, graph: g };
}

describe('quantized ONNX: no bytes without information', () => {
  it.each(['pow2', 'affine'])(
    'mobilenet_v1_bn %s: one initializer per distinct scalar scale and zero point, unnamed Q/DQ nodes, weights read by their own names; ORT fuses every conv and computes what the unshared file computes',
    async (scheme) => {
      const { dir, onnx } = await quantizeExample('mobilenet_v1_bn', { scheme, formats: 'onnx' });
      const model = readOnnxFile(onnx);
      const g = model.graph;
      const qdq = g.nodes.filter((n) => isQdq(n.opType));
      expect(qdq.length).toBeGreaterThan(100);
      expect(qdq.every((n) => n.name === '')).toBe(true);
      // Scalars: each distinct (type, value) once.
      const scalars = [...g.initializers].filter(([, t]) => t.dims.length === 0);
      const keys = scalars.map(([, t]) => `${t.dtype}:${t.toNumbers()[0]}`);
      expect(new Set(keys).size).toBe(keys.length);
      const scaleReads = new Set(qdq.map((n) => n.inputs[1]!));
      const scalarScales = [...scaleReads].filter((s) => g.initializers.get(s)!.dims.length === 0);
      expect(scalarScales.length).toBeLessThan(qdq.filter((n) => n.opType === 'QuantizeLinear').length);
      // Every Conv reads its weights and bias under their float names, now DequantizeLinear outputs of
      // the int8/int32 initializers <name>_q.
      const float = readOnnxFile('examples/mobilenet_v1_bn.onnx').graph;
      const convs = g.nodes.filter((n) => n.opType === 'Conv');
      expect(convs.length).toBe(float.nodes.filter((n) => n.opType === 'Conv').length);
      const dqOf = new Map(qdq.filter((n) => n.opType === 'DequantizeLinear').map((n) => [n.outputs[0]!, n]));
      for (const c of convs) {
        for (const i of [1, 2]) expect(dqOf.get(c.inputs[i]!)!.inputs[0]).toBe(`${c.inputs[i]}_q`);
      }

      // ORT: every conv (and the classifier) runs as an integer kernel, as before.
      const optimized = path.join(dir, 'ort-optimized.onnx');
      const shared = await createOrtSession(onnx, { optimizedModelFilePath: optimized });
      const ops = readOnnxFile(optimized).graph.nodes.map((n) => n.opType);
      expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(convs.length);
      expect(ops).not.toContain('Conv');
      // Sharing is storage only: bit-identical outputs to a file where every Q/DQ has its own copies.
      const copies = await createOrtSession(exportOnnx(unshared(model)).bytes);
      const basicShared = await createOrtSession(onnx, { graphOptimizationLevel: 'basic' });
      const basicCopies = await createOrtSession(exportOnnx(unshared(model)).bytes, {
        graphOptimizationLevel: 'basic',
      });
      const src = syntheticSamples(g, 2, new Map([['input', [1, 3, 96, 96]]]), new Map());
      for await (const feeds of src.samples()) {
        const [a, b, c, d] = await Promise.all(
          [shared, copies, basicShared, basicCopies].map((s) => s.run(feeds)),
        );
        expect(Array.from(b!.output!.toFloat32())).toEqual(Array.from(a!.output!.toFloat32()));
        expect(Array.from(d!.output!.toFloat32())).toEqual(Array.from(c!.output!.toFloat32()));
      }
      for (const s of [shared, copies, basicShared, basicCopies]) await s.close();
    },
    120_000,
  );

  it('mmoe: the reduction axes of every Unsqueeze/ReduceSum are one initializer; the .tflite stores equal small constants in one buffer shares equal vectors and quantization tables, and LiteRT computes what it computes with copies', async () => {
    const { onnx, tflite } = await quantizeExample('mmoe');
    const g = readOnnxFile(onnx).graph;
    const int64 = [...g.initializers.values()].filter((t) => t.dtype === 'int64');
    const keys = int64.map((t) => `${t.dims.join(',')}:${t.toNumbers().join(',')}`);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);

    const bytes = new Uint8Array(fs.readFileSync(tflite));
    const m = readTflite(bytes, tflite);
    const small = m.buffers
      .filter((b) => b.data && b.data.length > 0 && b.data.length <= SHARED_BUFFER_BYTES)
      .map((b) => Buffer.from(b.data!).toString('hex'));
    expect(new Set(small).size).toBe(small.length);
    const readers = new Map<number, number>();
    for (const t of m.subgraphs[0]!.tensors)
      if (t.buffer) readers.set(t.buffer, (readers.get(t.buffer) ?? 0) + 1);
    expect([...readers.values()].some((n) => n > 1)).toBe(true);
    // The same model with a buffer per constant tensor.
    const copy = readTflite(bytes, tflite);
    const seen = new Set<number>();
    for (const t of copy.subgraphs[0]!.tensors) {
      if (!t.buffer) continue;
      if (seen.has(t.buffer)) {
        copy.buffers.push({ data: new Uint8Array(copy.buffers[t.buffer]!.data!) });
        t.buffer = copy.buffers.length - 1;
      }
      seen.add(t.buffer);
    }
    // Equal shapes, operator input/output lists and quantization tables are written once: the same model
    // written without sharing vectors is larger and reads back the same.
    const plain = writeTflite(readTflite(bytes, tflite));
    expect(plain.length).toBeGreaterThan(bytes.length);
    const reread = readTflite(plain, 'plain');
    expect(
      reread.subgraphs[0]!.tensors.map(({ name, shape, quantization }) => ({ name, shape, quantization })),
    ).toEqual(
      m.subgraphs[0]!.tensors.map(({ name, shape, quantization }) => ({ name, shape, quantization })),
    );
    expect(reread.subgraphs[0]!.operators.map((o) => [o.inputs, o.outputs])).toEqual(
      m.subgraphs[0]!.operators.map((o) => [o.inputs, o.outputs]),
    );
    const a = await loadTflite(bytes);
    const b = await loadTflite(writeTflite(copy));
    const dense = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
    const ids = new BigInt64Array([3n, 300n, 555n, 999n]);
    const feeds = a.inputs.map((i) =>
      i.dtype === 'int64' ? ids : i.dtype === 'int32' ? Int32Array.from(ids, Number) : dense,
    );
    const ra = await a.run(feeds);
    const rb = await b.run(feeds);
    for (const k of Object.keys(ra))
      expect(Array.from(rb[k]!.data as Float32Array)).toEqual(Array.from(ra[k]!.data as Float32Array));
    a.close();
    b.close();
  }, 120_000);
});

describe('shareConstants', () => {
  it('keeps one of equal small initializers, leaves inputs, outputs and subgraph reads alone', () => {
    const g = new Graph();
    g.inputs = [{ name: 'x' }, { name: 'exposed' }];
    const axes = () => Tensor.int64([1], [1]);
    g.initializers.set('a1', axes());
    g.initializers.set('a2', axes());
    g.initializers.set('a3', Tensor.int64([1], [2]));
    g.initializers.set('a4', Tensor.int32([1], [1])); // same value, other type
    g.initializers.set('exposed', axes());
    g.initializers.set('outer', axes());
    const body = new Graph();
    body.outputs = [{ name: 'outer' }];
    g.nodes = [
      { name: 'u1', opType: 'Unsqueeze', domain: '', inputs: ['x', 'a1'], outputs: ['y1'], attrs: {} },
      { name: 'u2', opType: 'Unsqueeze', domain: '', inputs: ['x', 'a2'], outputs: ['y2'], attrs: {} },
      { name: 'u3', opType: 'Unsqueeze', domain: '', inputs: ['x', 'a3'], outputs: ['y3'], attrs: {} },
      { name: 'c', opType: 'Cast', domain: '', inputs: ['a4'], outputs: ['y4'], attrs: {} },
      {
        name: 'if',
        opType: 'If',
        domain: '',
        inputs: ['cond'],
        outputs: ['y5'],
        attrs: { then_branch: { kind: 'graph', value: body }, else_branch: { kind: 'graph', value: body } },
      },
    ];
    const { graph, stats } = shareConstants(g);
    expect(stats['share-constant']).toBe(1);
    expect([...graph.initializers.keys()].sort()).toEqual(['a1', 'a3', 'a4', 'exposed', 'outer']);
    expect(graph.nodes[1]!.inputs).toEqual(['x', 'a1']);
    expect(g.initializers.has('a2')).toBe(true); // the input graph is not changed
  });
});
