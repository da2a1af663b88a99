import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { importOnnx, readOnnxFile } from '../../../src/formats/onnx/import.js';
import { ModelProto } from '../../../src/formats/onnx/schema.js';
import { PADDLE_CLS, SELFIE_TFLITE, rng } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-bad-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Reads `file` expecting a ModelFormatError that names the file and says `what`. */
function expectFormatError(file: string, what: RegExp): ModelFormatError {
  let error: unknown;
  try {
    readOnnxFile(file);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelFormatError);
  const e = error as ModelFormatError;
  expect(e.file).toBe(file);
  expect(e.message.startsWith(`${file}: `)).toBe(true);
  expect(e.message).toMatch(what);
  return e;
}

/** A model whose one initializer is `tensor` (a TensorProto as a plain object), as bytes. */
function modelWith(tensor: Record<string, unknown>, file: string): string {
  const proto = ModelProto.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      initializer: [{ name: 'w', ...tensor }],
      node: [{ opType: 'Identity', input: ['w'], output: ['y'] }],
      output: [{ name: 'y' }],
    },
  });
  return write(file, ModelProto.encode(proto).finish());
}

describe('readOnnxFile on files that are not valid ONNX throws a ModelFormatError naming the file', () => {
  it('an empty file', () => {
    expectFormatError(write('empty.onnx', new Uint8Array()), /empty/);
  });

  it('a truncated model', () => {
    const bytes = fs.readFileSync(PADDLE_CLS);
    expectFormatError(write('half.onnx', bytes.subarray(0, bytes.length >> 1)), /truncated/);
    expectFormatError(write('cut.onnx', bytes.subarray(0, bytes.length - 3)), /truncated/);
  });

  it('random bytes', () => {
    const next = rng(42);
    const bytes = Uint8Array.from({ length: 4096 }, () => Math.floor(next() * 256));
    expectFormatError(write('random.onnx', bytes), /not a valid ONNX model/);
  });

  it('a TFLite file named .onnx', () => {
    const file = path.join(dir, 'x.onnx');
    fs.copyFileSync(SELFIE_TFLITE, file);
    expectFormatError(file, /TFLite model, not ONNX/);
  });

  it('a missing file and a folder', () => {
    expectFormatError(path.join(dir, 'nothing.onnx'), /cannot read the file \(ENOENT\)/);
    expectFormatError(dir, /cannot read the file \(EISDIR\)/);
  });

  it('a text file', () => {
    expectFormatError(
      write('text.onnx', Buffer.from('hello, this is not a model\n')),
      /not a valid ONNX model/,
    );
  });
});

describe('tensors inconsistent with their shape', () => {
  it('raw data shorter than the dims need', () => {
    const file = modelWith({ dims: [2, 3], dataType: 1, rawData: new Uint8Array(20) }, 'short.onnx');
    expectFormatError(file, /tensor 'w': float32\[2,3\] needs 24 bytes, got 20/);
  });

  it('typed data with the wrong count', () => {
    const file = modelWith({ dims: [4], dataType: 1, floatData: [1, 2, 3] }, 'count.onnx');
    expectFormatError(file, /tensor 'w'.*needs 4 values, got 3/);
    expectFormatError(modelWith({ dims: [2], dataType: 7, int64Data: [1] }, 'i64.onnx'), /tensor 'w'/);
    expectFormatError(modelWith({ dims: [3], dataType: 8, stringData: [] }, 'str.onnx'), /tensor 'w'/);
  });

  it('enormous dims with a few bytes fail fast, allocating nothing', () => {
    const file = modelWith(
      { dims: [2 ** 40, 2 ** 40, 2 ** 20], dataType: 1, rawData: new Uint8Array(8) },
      'huge.onnx',
    );
    const t0 = performance.now();
    expectFormatError(file, /tensor 'w'/);
    expectFormatError(
      modelWith({ dims: [2 ** 31, 2 ** 31], dataType: 3, int32Data: [1] }, 'huge2.onnx'),
      /tensor 'w'/,
    );
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('negative dims and unknown element types', () => {
    expectFormatError(
      modelWith({ dims: [-1], dataType: 1, rawData: new Uint8Array(4) }, 'neg.onnx'),
      /invalid dims/,
    );
    expectFormatError(
      modelWith({ dims: [1], dataType: 99, rawData: new Uint8Array(4) }, 'type.onnx'),
      /unknown data type 99/,
    );
  });

  it('external data that is missing, outside the folder, misplaced or short', () => {
    const ext = (entries: Record<string, string>, name: string) =>
      modelWith(
        {
          dims: [4],
          dataType: 1,
          dataLocation: 1,
          externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
        },
        name,
      );
    fs.writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(16));
    expect(readOnnxFile(ext({ location: 'w.bin' }, 'ok.onnx')).graph.initializers.get('w')!.dims).toEqual([
      4,
    ]);
    expectFormatError(ext({ location: 'none.bin' }, 'e1.onnx'), /'none.bin' not found/);
    expectFormatError(ext({ location: '../w.bin' }, 'e2.onnx'), /leaves the model's folder/);
    expectFormatError(ext({ location: '/etc/passwd' }, 'e3.onnx'), /leaves the model's folder/);
    expectFormatError(ext({ location: 'w.bin', offset: 'x' }, 'e4.onnx'), /offset 'x' is not a byte offset/);
    expectFormatError(ext({ location: 'w.bin', offset: '-4' }, 'e5.onnx'), /not a byte offset/);
    expectFormatError(ext({ location: 'w.bin', offset: '8' }, 'e6.onnx'), /too short/);
    expectFormatError(
      ext({ location: 'w.bin', length: '12' }, 'e7.onnx'),
      /length 12 but its shape needs 16/,
    );
  });
});

describe('attributes and structure', () => {
  it('a tensor attribute without its tensor names the node and attribute', () => {
    const proto = ModelProto.fromObject({
      irVersion: 8,
      graph: {
        node: [{ name: 'c0', opType: 'Constant', output: ['y'], attribute: [{ name: 'value', type: 4 }] }],
      },
    });
    const file = write('attr.onnx', ModelProto.encode(proto).finish());
    expectFormatError(file, /node 'c0' \(Constant\): attribute 'value' is a tensor but holds none/);
  });

  it('a protobuf message that is not a model', () => {
    const file = write('nograph.onnx', ModelProto.encode(ModelProto.fromObject({ irVersion: 8 })).finish());
    expectFormatError(file, /it has no graph/);
  });

  it('importOnnx names <bytes> when given no file', () => {
    expect(() => importOnnx(new Uint8Array([0xff, 0xff]))).toThrow(/^<bytes>: not a valid ONNX model/);
  });
});
