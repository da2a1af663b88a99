import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ALIGN, PAD_FIELD } from '../../../src/formats/onnx/encode.js';
import { exportOnnx, writeOnnxFile } from '../../../src/formats/onnx/export.js';
import { importOnnx, readOnnxFile } from '../../../src/formats/onnx/import.js';
import { ModelProto } from '../../../src/formats/onnx/schema.js';
import { tensorAttr } from '../../../src/ir/attrs.js';
import { diffModels } from '../../../src/ir/equal.js';
import { Graph, type Model } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createOrtSession } from '../../../src/runtime/ort.js';
import { PADDLE_CLS, PADDLE_DET, expectAlignedFile, randomFloats, wireLayout } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const EXAMPLES = fs
  .readdirSync('examples')
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => path.join('examples', f));

describe('writeOnnxFile streams a file that imports to the same IR, weights aligned and viewed in place', () => {
  it('finds the example models', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(2);
  });

  it.each([PADDLE_CLS, PADDLE_DET, ...EXAMPLES])('%s', (file) => {
    const model = readOnnxFile(file);
    const out = path.join(dir, path.basename(file));
    writeOnnxFile(model, out);
    const written = fs.readFileSync(out);
    // One encoder: the file holds exactly what exportOnnx returns in memory.
    expect(written.equals(Buffer.from(exportOnnx(model).bytes))).toBe(true);
    expectAlignedFile(model, written);
  });

  it('pads only with its own field, which protobufjs drops on decode and a keeping reader sees', () => {
    const written = fs.readFileSync(path.join(dir, path.basename(PADDLE_CLS)));
    const { unknown } = wireLayout(written);
    expect(unknown.length).toBeGreaterThan(100);
    expect(
      unknown.every((u) => u.field === PAD_FIELD && u.message === 'TensorProto' && u.beforeRawData),
    ).toBe(true);
    const node = (m: any) =>
      m.graph.node.find((n: any) => n.opType === 'Constant' && n.attribute[0].t.$unknowns);
    expect(node(ModelProto.decode(written))).toBeUndefined();
    const keeping = protobuf.Reader.create(written);
    keeping.discardUnknown = false;
    expect(node(ModelProto.decode(keeping))).toBeDefined();
  });

  it('keeps the old file and leaves no temporary one when writing fails midway', () => {
    const out = path.join(dir, 'atomic.onnx');
    writeOnnxFile(constantModel(64, 'a'), out);
    const before = fs.readFileSync(out);
    let calls = 0;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) throw new Error('disk full');
      return (real as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    expect(() => writeOnnxFile(readOnnxFile(PADDLE_DET), out)).toThrow('disk full');
    expect(calls).toBe(2);
    expect(fs.readFileSync(out).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('atomic.onnx.'))).toEqual([]);
  });
});

/**
 * x + c, where c is a Constant of `n` float32 values and, when `init`, also an initializer of the same
 * size: names of varied length move every length prefix and tensor across the varint and alignment
 * boundaries that the layout has to resolve.
 */
function constantModel(n: number, name: string, init = false): Model {
  const g = new Graph();
  g.name = `g${name}`;
  const c = Tensor.float32([n], randomFloats(n, n + name.length));
  c.extra = { name: `t${name}` };
  g.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [n] } }];
  g.outputs = [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [n] } }];
  g.nodes = [
    { name, opType: 'Constant', domain: '', inputs: [], outputs: ['c'], attrs: { value: tensorAttr(c) } },
    { name: 'add', opType: 'Add', domain: '', inputs: ['x', 'c'], outputs: ['s'], attrs: {} },
  ];
  if (init) {
    g.initializers.set(`w${name}`, Tensor.float32([n], randomFloats(n, 3 * n)));
    g.nodes.push({
      name: 'add2',
      opType: 'Add',
      domain: '',
      inputs: ['s', `w${name}`],
      outputs: ['y'],
      attrs: {},
    });
  } else
    g.nodes.push({ name: 'id', opType: 'Identity', domain: '', inputs: ['s'], outputs: ['y'], attrs: {} });
  return {
    format: 'onnx',
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    metadata: [],
    graph: g,
  };
}

describe('the aligned layout across length-prefix boundaries', () => {
  // Messages of about 128 and 16384 bytes, where a length prefix grows by a byte: each tensor shifted
  // through all 16 alignments by the name lengths.
  const cases: [number, number, boolean][] = [];
  for (const init of [false, true]) {
    for (let n = 16; n <= 40; n++) for (let k = 0; k < 20; k++) cases.push([n, k, init]);
    for (let n = 4075; n <= 4100; n++) for (let k = 0; k < 20; k++) cases.push([n, k, init]);
  }

  const fillerCases: [number, Model][] = [];

  it(`stays aligned and lossless in ${cases.length} models, and takes the trailing-padding branch`, () => {
    const failures: string[] = [];
    let fillers = 0;
    for (const [n, k, init] of cases) {
      const model = constantModel(n, 'n'.repeat(k), init);
      const bytes = exportOnnx(model).bytes;
      try {
        expectAlignedFile(model, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (e) {
        failures.push(`n=${n} k=${k} init=${init}: ${(e as Error).message}`);
      }
      // Padding anywhere but before raw_data is the filler that settles a length prefix's width.
      const filler = wireLayout(bytes).unknown.filter((u) => !u.beforeRawData);
      if (filler.length) {
        fillers++;
        if (fillerCases.length < 6) fillerCases.push([n, model]);
      }
    }
    expect(failures).toEqual([]);
    expect(fillers).toBeGreaterThan(0);
  });

  it('writes files with that filler which ONNX Runtime runs', async () => {
    expect(fillerCases.length).toBeGreaterThan(0);
    for (const [n, model] of fillerCases) {
      const file = path.join(dir, 'filler.onnx');
      writeOnnxFile(model, file);
      const x = Tensor.float32([n], randomFloats(n, 5));
      const session = await createOrtSession(file, { intraOpNumThreads: 1 });
      try {
        const y = (await session.run({ x })).y!;
        const c = (model.graph.nodes[0]!.attrs.value as { value: Tensor }).value.data as Float32Array;
        const w = [...model.graph.initializers.values()][0]?.data as Float32Array | undefined;
        const expected = Float32Array.from(x.data as Float32Array, (v, i) => v + c[i]! + (w ? w[i]! : 0));
        expect(Buffer.from(y.bytes()).equals(Buffer.from(expected.buffer))).toBe(true);
      } finally {
        await session.close();
      }
    }
  });

  it('aligns tensors inline beside external data, and in subgraphs', () => {
    const model = constantModel(200, 'ext', true);
    model.graph.initializers.set('big', Tensor.float32([2000], randomFloats(2000, 9)));
    const body = new Graph();
    body.name = 'then';
    body.initializers.set('k', Tensor.int64([3], [1, 2, 3]));
    body.outputs = [{ name: 'k' }];
    model.graph.nodes.push({
      name: 'if',
      opType: 'If',
      domain: '',
      inputs: ['cond'],
      outputs: ['o'],
      attrs: { then_branch: { kind: 'graph', value: body }, else_branch: { kind: 'graph', value: body } },
    });
    const file = path.join(dir, 'ext.onnx');
    writeOnnxFile(model, file, { externalData: { location: 'ext.bin', threshold: 1024 } });
    const written = fs.readFileSync(file);
    // Inline: the Constant, the initializer w, and the subgraph's k in each branch; 'big' is outside.
    const { rawData } = wireLayout(written);
    expect(rawData.map((r) => r.length)).toEqual([800, 24, 24, 800]);
    expect(rawData.every((r) => r.offset % ALIGN === 0)).toBe(true);
    expect(diffModels(model, importOnnx(written, { file, baseDir: dir }))).toBeUndefined();
    expect(fs.statSync(path.join(dir, 'ext.bin')).size).toBe(8000);
  });
});
