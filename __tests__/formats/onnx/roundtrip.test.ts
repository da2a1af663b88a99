import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx, writeOnnxFile } from '../../../src/formats/onnx/export.js';
import { importOnnx, readOnnxFile } from '../../../src/formats/onnx/import.js';
import { diffModels } from '../../../src/ir/equal.js';
import {
  MISSING_TESTDATA,
  NODE_CASES,
  PADDLE_CLS,
  PADDLE_DET,
  expectAlignedFile,
  nodeCaseModels,
  protoView,
} from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-roundtrip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Import, export, import again: the IR must be equal and the file must say the same as the original.
 * Written to a file (streamed), the model is the same bytes as exported in memory, every weight is on a
 * 16-byte boundary and re-imports as a view of the file's buffer.
 */
function expectRoundTrip(file: string): void {
  const original = fs.readFileSync(file);
  const model = importOnnx(original, { file, baseDir: path.dirname(file) });
  const exported = exportOnnx(model).bytes;
  const again = importOnnx(exported, { file: `${file} (exported)` });
  expect(diffModels(model, again)).toBeUndefined();
  expect(protoView(exported)).toBe(protoView(original));
  expect(Buffer.from(exportOnnx(again).bytes).equals(Buffer.from(exported))).toBe(true);

  const out = path.join(dir, 'model.onnx');
  writeOnnxFile(model, out);
  const written = fs.readFileSync(out);
  expect(written.equals(Buffer.from(exported))).toBe(true);
  expectAlignedFile(model, written);
}

describe('ONNX export of an imported model is semantically identical', () => {
  it('has the ONNX backend test suite installed', () => {
    if (!fs.existsSync(NODE_CASES)) throw new Error(MISSING_TESTDATA);
    expect(nodeCaseModels().length).toBeGreaterThanOrEqual(900);
  });

  it.each(nodeCaseModels().map((f) => [path.basename(path.dirname(f)), f]))('%s', (_name, file) => {
    expectRoundTrip(file);
  });

  it.each([PADDLE_CLS, PADDLE_DET])('PaddleOCR %s', (file) => {
    expectRoundTrip(file);
  });

  it('sees a dropped field: the check is not vacuous', () => {
    const model = readOnnxFile(PADDLE_CLS);
    const node = model.graph.nodes.find((n) => n.opType === 'Conv')!;
    const original = exportOnnx(model).bytes;
    delete node.attrs[Object.keys(node.attrs)[0]!];
    const changed = exportOnnx(model).bytes;
    expect(protoView(changed)).not.toBe(protoView(original));
    expect(diffModels(importOnnx(original), model)).toMatch(/attribute names differ/);
  });
});
