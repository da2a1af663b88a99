import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { reducedCalibrationModel, rowCalibrationModel } from '../../src/quant/calib-graph.js';
import { GraphBuilder, randomTensor, rng } from '../helpers/graphs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-calib-order-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Four 3x3 Conv + Relu layers on 16 channels of 32x32 (16,384 values a map); the conv outputs reduced. */
function chain() {
  const b = new GraphBuilder(7);
  let x = b.input('x', [1, 16, 32, 32]);
  const convs: string[] = [];
  const relus: string[] = [];
  for (let i = 0; i < 4; i++) {
    const w = b.weight(`w${i}`, [16, 16, 3, 3], -0.3, 0.3);
    const c = b.node('Conv', [x, w], { pads: ints([1, 1, 1, 1]), kernel_shape: ints([3, 3]) });
    convs.push(c);
    x = b.node('Relu', [c]);
    relus.push(x);
  }
  b.output(x);
  return { model: b.model(13), convs, relus };
}

/** The node names ONNX Runtime ran, in the order it ran them (its profile of one run). */
async function executionOrder(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, name: string) {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: path.join(dir, name),
  });
  await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith('.json'))!;
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
    cat: string;
    name: string;
    ts: number;
    args: { op_name?: string };
  }[];
  return events
    .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
    .sort((a, b) => a.ts - b.ts)
    .map((e) => ({ node: e.name.slice(0, -'_kernel_time'.length), op: e.args.op_name ?? '' }));
}

const input = () =>
  new ort.Tensor('float32', randomTensor([1, 16, 32, 32], rng(3)).data as Float32Array, [1, 16, 32, 32]);

describe('calibration graphs in the order ONNX Runtime runs them', () => {
  it("reduces each group's maps before the model goes on (percentile rows), plain outputs included", async () => {
    const { model, convs, relus } = chain();
    // One group per conv output, the last relu output as a plain output (as the model's own output often is).
    const groups = convs.map((name) => ({ row: 64, tensors: [{ name, rows: 256 }] }));
    const calib = rowCalibrationModel(model, groups, [relus[3]!]);
    const feeds: Record<string, ort.Tensor> = { x: input() };
    for (const c of calib.outputs.cutoffs)
      feeds[c] = new ort.Tensor('float32', new Float32Array(256).fill(1), [256]);
    const order = await executionOrder(exportOnnx(calib.model).bytes, feeds, 'rows');
    const at = (node: string) => order.findIndex((o) => o.node === node);
    const packs = groups.map((_, i) => at(`__calib/g${i}/pack`));
    expect(packs.every((p) => p >= 0)).toBe(true);
    // Group i packed before group i + 1's map is even reshaped into rows: one group's maps alive at a time.
    for (let i = 0; i + 1 < groups.length; i++) expect(packs[i]).toBeLessThan(at(`__calib/g${i + 1}/0/rows`));
    // The first reduction runs before the last Conv: ORT did not run the whole model first. (Where ORT
    // computes Convs in its blocked layout, AVX2 and up, the plain output's own ReorderOutput node would
    // otherwise start its walk: see walkOrder.)
    const lastConv = order.map((o) => o.op).lastIndexOf('Conv');
    expect(order.findIndex((o) => o.node.startsWith('__calib/'))).toBeLessThan(lastConv);
  });

  it('reduces each map before the model goes on (minmax), plain outputs included', async () => {
    const { model, convs, relus } = chain();
    const tensors = convs.map((name) => ({ name, axis: 0, row: 64, rows: 256 }));
    const calib = reducedCalibrationModel(model, tensors, [relus[3]!]);
    const order = await executionOrder(exportOnnx(calib.model).bytes, { x: input() }, 'minmax');
    const at = (node: string) => order.findIndex((o) => o.node === node);
    for (let i = 0; i + 1 < tensors.length; i++)
      expect(at(`__calib/${i}/stats`)).toBeLessThan(at(`__calib/${i + 1}/rows`));
    const lastConv = order.map((o) => o.op).lastIndexOf('Conv');
    expect(order.findIndex((o) => o.node.startsWith('__calib/'))).toBeLessThan(lastConv);
  });

  it('sends every row at a negative cutoff: row extremes and maps as the float model computes them, plain outputs too', async () => {
    const { model, convs, relus } = chain();
    const groups = convs.map((name) => ({ row: 64, tensors: [{ name, rows: 256 }] }));
    const calib = rowCalibrationModel(model, groups, [relus[3]!]);
    const x = input();
    // Cutoff -1: every row is sent, so the output holds each map whole after its row extremes.
    const feeds: Record<string, ort.Tensor> = { x };
    for (const c of calib.outputs.cutoffs)
      feeds[c] = new ort.Tensor('float32', new Float32Array(256).fill(-1), [256]);
    const reduced = await (await ort.InferenceSession.create(exportOnnx(calib.model).bytes)).run(feeds);
    const plain = structuredClone(model.graph.outputs);
    const g = model.graph.clone();
    g.outputs = [...plain, ...[...convs, relus[3]!].map((name) => ({ name }))];
    const float = await (
      await ort.InferenceSession.create(exportOnnx({ ...model, graph: g }).bytes)
    ).run({ x });
    const all = reduced[calib.outputs.all]!.data as Float32Array;
    let at = 0;
    for (const c of convs) {
      const map = float[c]!.data as Float32Array;
      const rows = Array.from({ length: 256 }, (_, r) => map.subarray(r * 64, r * 64 + 64));
      expect(Array.from(all.subarray(at, (at += 256)))).toEqual(rows.map((r) => Math.max(...r)));
      expect(Array.from(all.subarray(at, (at += 256)))).toEqual(rows.map((r) => Math.min(...r)));
      expect(all.subarray(at, (at += map.length))).toEqual(map);
    }
    expect(at).toBe(all.length);
    expect(reduced[relus[3]!]!.data).toEqual(float[relus[3]!]!.data);
  });

  it("counts the values equal to a tensor's tie after its row minima, ahead of the rows sent", async () => {
    // Relu(conv) clipped by Min at 0.5: many values sit exactly at 0.5, the bound counted.
    const { model, convs } = chain();
    const g = model.graph.clone();
    const half = 'half';
    g.initializers.set(half, Tensor.float32([], [0.5]));
    const clipped = 'clipped';
    g.nodes.push({
      name: clipped,
      opType: 'Min',
      domain: '',
      inputs: [convs[1]!, half],
      outputs: [clipped],
      attrs: {},
    });
    const groups = [
      {
        row: 64,
        tensors: [
          { name: convs[0]!, rows: 256 },
          { name: clipped, rows: 256, tie: 0.5 },
        ],
      },
    ];
    const calib = rowCalibrationModel({ ...model, graph: g }, groups);
    const x = input();
    // Nothing sent: the output is the row extremes, then the one count.
    const feeds: Record<string, ort.Tensor> = {
      x,
      [calib.outputs.cutoffs[0]!]: new ort.Tensor('float32', new Float32Array(512).fill(Infinity), [512]),
    };
    const reduced = await (await ort.InferenceSession.create(exportOnnx(calib.model).bytes)).run(feeds);
    const all = reduced[calib.outputs.all]!.data as Float32Array;
    const plain = model.graph.clone();
    plain.outputs = [{ name: convs[1]! }];
    const float = await (
      await ort.InferenceSession.create(exportOnnx({ ...model, graph: plain }).bytes)
    ).run({ x });
    // By hand: the conv's values at or past 0.5 are the clipped map's values at 0.5.
    const atTie = (float[convs[1]!]!.data as Float32Array).filter((v) => v >= 0.5).length;
    expect(atTie).toBeGreaterThan(100);
    expect(all.length).toBe(4 * 256 + 1);
    expect(all[4 * 256]).toBe(atTie);
  });

  it('touches every plain output, float32 or not, through one Max, the plain values as the float model computes them', async () => {
    const { model, convs, relus } = chain();
    const g = model.graph.clone();
    // An int64 plain output (its touch needs a Cast to join the float ones) and an empty one.
    g.nodes.push({
      name: 'shape',
      opType: 'Shape',
      domain: '',
      inputs: [relus[0]!],
      outputs: ['shape'],
      attrs: {},
    });
    g.initializers.set('none', Tensor.int64([1], [0]));
    g.initializers.set('zero', Tensor.int64([1], [0]));
    g.nodes.push({
      name: 'empty',
      opType: 'Slice',
      domain: '',
      inputs: [relus[1]!, 'zero', 'none', 'zero'],
      outputs: ['empty'],
      attrs: {},
    });
    const m = { ...model, graph: g };
    const plain = [relus[3]!, 'shape', 'empty', relus[2]!];
    const groups = convs.map((name) => ({ row: 64, tensors: [{ name, rows: 256 }] }));
    const calib = rowCalibrationModel(m, groups, plain);
    const joins = calib.model.graph.nodes.filter((n) => n.outputs.includes('__calib/touch'));
    expect(joins.map((n) => [n.opType, n.inputs.length])).toEqual([['Max', plain.length]]);
    const x = input();
    const feeds: Record<string, ort.Tensor> = { x };
    for (const c of calib.outputs.cutoffs)
      feeds[c] = new ort.Tensor('float32', new Float32Array(256).fill(1), [256]);
    const reduced = await (await ort.InferenceSession.create(exportOnnx(calib.model).bytes)).run(feeds);
    const fg = g.clone();
    fg.outputs = plain.map((name) => ({ name }));
    const float = await (await ort.InferenceSession.create(exportOnnx({ ...m, graph: fg }).bytes)).run({ x });
    for (const name of plain) {
      expect(reduced[name]!.dims).toEqual(float[name]!.dims);
      expect(reduced[name]!.data).toEqual(float[name]!.data);
    }
    expect(Array.from(reduced.shape!.data as BigInt64Array)).toEqual([1n, 16n, 32n, 32n]);
    expect(reduced.empty!.dims).toEqual([0, 16, 32, 32]);
  });
});
