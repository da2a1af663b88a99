import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx, writeOnnxFile } from '../../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../../src/formats/onnx/import.js';
import { elementCount, Tensor } from '../../../src/ir/tensor.js';
import { createOrtSession, type OrtSession } from '../../../src/runtime/ort.js';
import { PADDLE_CLS, PADDLE_DET, randomFloats } from './helpers.js';

const sessions: OrtSession[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddleocr-ort-'));
afterAll(async () => {
  for (const s of sessions) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(model: Uint8Array | string, input: Tensor): Promise<Tensor> {
  const session = await createOrtSession(model, { intraOpNumThreads: 1 });
  sessions.push(session);
  const out = await session.run({ [session.inputNames[0]!]: input });
  return out[session.outputNames[0]!]!;
}

const bits = (t: Tensor) => Buffer.from(t.bytes());

describe('PaddleOCR through import and export runs in ONNX Runtime bit for bit as the original', () => {
  it.each([
    ['cls', PADDLE_CLS, [1, 3, 48, 192], 1],
    ['det', PADDLE_DET, [1, 3, 96, 96], 2],
    ['det, another size and seed', PADDLE_DET, [1, 3, 64, 128], 3],
  ] as const)('%s', async (_name, file, dims, seed) => {
    const model = readOnnxFile(file);
    const exported = exportOnnx(model).bytes;
    // The file writer streams the same encoding to disk; ORT loads it from its path.
    const written = path.join(dir, path.basename(file));
    writeOnnxFile(model, written);
    const input = Tensor.float32(dims, randomFloats(elementCount(dims), seed));
    const expected = await run(file, input);
    const actual = await run(exported, input);
    expect(actual.dims).toEqual(expected.dims);
    expect(actual.dtype).toBe('float32');
    expect(bits(actual).equals(bits(expected))).toBe(true);
    expect(bits(await run(written, input)).equals(bits(expected))).toBe(true);
    // A model that ignored its input would pass the comparison above; these do not.
    const other = await run(exported, Tensor.float32(dims, randomFloats(elementCount(dims), seed + 100)));
    expect(bits(other).equals(bits(actual))).toBe(false);
  });
});
