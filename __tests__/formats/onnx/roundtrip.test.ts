import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../src/formats/onnx/export.js';
import { importOnnx, readOnnxFile } from '../../../src/formats/onnx/import.js';
import { diffModels } from '../../../src/ir/equal.js';
import { PADDLE_CLS, PADDLE_DET, expectRoundTrip, protoView } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-roundtrip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ONNX export of an imported model is semantically identical', () => {
  it.each([PADDLE_CLS, PADDLE_DET])('PaddleOCR %s', (file) => {
    expectRoundTrip(file, dir);
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
