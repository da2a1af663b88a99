import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectRoundTrip } from '../formats/onnx/helpers.js';
import { NODE_CASES, nodeCaseDirs } from './node-cases.js';

/**
 * The ONNX round trip of __tests__/formats/onnx/roundtrip.test.ts over every node case of the ONNX
 * backend test suite. The cases come from the Debian package libonnx-testdata, so this runs in
 * `npm run conformance` (which .ci/run installs it for), not in `npm test`.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-roundtrip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const models = nodeCaseDirs()
  .map((d) => path.join(d, 'model.onnx'))
  .filter((f) => fs.existsSync(f));

describe('ONNX export of every backend node case is semantically identical', () => {
  it('has the ONNX backend test suite installed', () => {
    expect(fs.existsSync(NODE_CASES), `${NODE_CASES} is missing: apt-get install libonnx-testdata`).toBe(
      true,
    );
    expect(models.length).toBeGreaterThanOrEqual(900);
  });

  it.each(models.map((f) => [path.basename(path.dirname(f)), f]))('%s', (_name, file) => {
    expectRoundTrip(file, dir);
  });
});
