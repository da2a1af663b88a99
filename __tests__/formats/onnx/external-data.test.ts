import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTO_EXTERNAL_DATA_BYTES,
  exportOnnx,
  weightBytes,
  withAutoExternalData,
  writeOnnxFile,
} from '../../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../../src/formats/onnx/import.js';
import { ModelProto } from '../../../src/formats/onnx/schema.js';
import { tensorAttr } from '../../../src/ir/attrs.js';
import { diffModels } from '../../../src/ir/equal.js';
import { Graph, type Model } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createOrtSession } from '../../../src/runtime/ort.js';
import { PADDLE_CLS, randomFloats } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-external-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(model: string | Uint8Array, feeds: Record<string, Tensor>): Promise<Buffer[]> {
  const session = await createOrtSession(model, { intraOpNumThreads: 1 });
  try {
    const out = await session.run(feeds);
    return session.outputNames.map((n) => Buffer.from(out[n]!.bytes()));
  } finally {
    await session.close();
  }
}

/** The written file's tensors stored outside it: name (if any) and external entries. */
function externalTensors(file: string): { name?: string; info: Record<string, string> }[] {
  const proto = ModelProto.toObject(ModelProto.decode(fs.readFileSync(file)), { arrays: true }) as any;
  const tensors = [
    ...proto.graph.initializer,
    ...proto.graph.node.flatMap((n: any) => n.attribute.filter((a: any) => a.t).map((a: any) => a.t)),
  ];
  return tensors
    .filter((t: any) => t.dataLocation === 1)
    .map((t: any) => ({
      name: t.name,
      info: Object.fromEntries(t.externalData.map((e: any) => [e.key, e.value])),
    }));
}

/** y = x·W + b: W an initializer of 64 KiB, b one of 512 bytes (under the 1 KiB threshold). */
function matmulModel(): Model {
  const g = new Graph();
  g.name = 'matmul';
  g.initializers.set('W', Tensor.float32([128, 128], randomFloats(128 * 128, 7)));
  g.initializers.set('b', Tensor.float32([128], randomFloats(128, 8)));
  g.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [2, 128] } }];
  g.outputs = [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [2, 128] } }];
  g.nodes = [
    { name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['xw'], attrs: {} },
    { name: 'add', opType: 'Add', domain: '', inputs: ['xw', 'b'], outputs: ['y'], attrs: {} },
  ];
  return {
    format: 'onnx',
    irVersion: 8,
    opsetImports: [{ domain: '', version: 17 }],
    metadata: [],
    graph: g,
  };
}

describe('ONNX external data', () => {
  it('PaddleOCR cls written with external data loads in ORT from its path and gives the same outputs', async () => {
    const model = readOnnxFile(PADDLE_CLS);
    const file = path.join(dir, 'cls.onnx');
    writeOnnxFile(model, file, { externalData: { location: 'x.data' } });

    // Its weights are Constant nodes: they go out too, and the file keeps only the graph.
    const external = externalTensors(file);
    expect(external.length).toBeGreaterThan(20);
    expect(external.every((t) => t.info.location === 'x.data' && Number(t.info.offset) % 4096 === 0)).toBe(
      true,
    );
    expect(fs.statSync(file).size).toBeLessThan(fs.statSync(PADDLE_CLS).size / 4);
    expect(fs.statSync(path.join(dir, 'x.data')).size).toBeGreaterThan(400_000);

    const x = Tensor.float32([1, 3, 48, 192], randomFloats(3 * 48 * 192, 11));
    expect(await run(file, { x })).toEqual(await run(PADDLE_CLS, { x }));
    expect(diffModels(model, readOnnxFile(file))).toBeUndefined();
  });

  it('moves initializers at or over the threshold out and keeps smaller ones inline', async () => {
    const model = matmulModel();
    const file = path.join(dir, 'mm.onnx');
    writeOnnxFile(model, file, { externalData: { location: 'mm.bin' } });
    expect(externalTensors(file)).toEqual([
      { name: 'W', info: { location: 'mm.bin', offset: '0', length: '65536' } },
    ]);

    const x = Tensor.float32([2, 128], randomFloats(256, 12));
    expect(await run(file, { x })).toEqual(await run(exportOnnx(model).bytes, { x }));
    expect(diffModels(model, readOnnxFile(file))).toBeUndefined();
  });

  it('honours a custom threshold', () => {
    const file = path.join(dir, 'all.onnx');
    writeOnnxFile(matmulModel(), file, { externalData: { location: 'all.data', threshold: 0 } });
    const entries = externalTensors(file);
    expect(entries.map((t) => t.name)).toEqual(['W', 'b']);
    expect(entries[1]!.info.offset).toBe('65536');
  });
});

describe('the automatic switch to external data past protobuf 2 GiB', () => {
  it('keeps the caller options up to the limit and picks <file>.data past it', () => {
    expect(AUTO_EXTERNAL_DATA_BYTES).toBeLessThan(2 ** 31);
    expect(AUTO_EXTERNAL_DATA_BYTES).toBeGreaterThan(1.5 * 2 ** 30);
    expect(withAutoExternalData('/out/m.onnx', 1000, {})).toEqual({});
    expect(withAutoExternalData('/out/m.onnx', AUTO_EXTERNAL_DATA_BYTES, {})).toEqual({});
    expect(withAutoExternalData('/out/m.onnx', AUTO_EXTERNAL_DATA_BYTES + 1, {})).toEqual({
      externalData: { location: 'm.onnx.data' },
    });
    expect(withAutoExternalData('/out/m.onnx', 3 * 2 ** 30, {})).toEqual({
      externalData: { location: 'm.onnx.data' },
    });
  });

  it('never overrides an explicit choice', () => {
    const opts = { externalData: { location: 'w.bin', threshold: 10 } };
    expect(withAutoExternalData('m.onnx', 3 * 2 ** 30, opts)).toBe(opts);
  });

  it('counts initializers, tensor attributes and subgraph weights', () => {
    const model = matmulModel();
    const body = new Graph();
    body.initializers.set('k', Tensor.int64([4], [1, 2, 3, 4]));
    body.nodes = [
      {
        name: 'c',
        opType: 'Constant',
        domain: '',
        inputs: [],
        outputs: ['c'],
        attrs: { value: tensorAttr(Tensor.int32([3], [1, 2, 3])) },
      },
    ];
    model.graph.nodes.push(
      {
        name: 'k',
        opType: 'Constant',
        domain: '',
        inputs: [],
        outputs: ['k'],
        attrs: { value: tensorAttr(Tensor.float32([10], new Float32Array(10))) },
      },
      {
        name: 'if',
        opType: 'If',
        domain: '',
        inputs: ['cond'],
        outputs: ['o'],
        attrs: { one: { kind: 'graph', value: body }, many: { kind: 'graphs', value: [body] } },
      },
    );
    expect(weightBytes(model.graph)).toBe(128 * 128 * 4 + 128 * 4 + 10 * 4 + 2 * (4 * 8 + 3 * 4));
  });
});
