import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { exportOnnx } from '../../../src/formats/onnx/export.js';
import { importOnnx } from '../../../src/formats/onnx/import.js';
import { diffModels } from '../../../src/ir/equal.js';
import type { Model } from '../../../src/ir/graph.js';
import { PADDLE_CLS, rng } from './helpers.js';
import { MUTATIONS, mutate, varintsOf, type Mutation } from './mutations.js';

const CASES = 1000;
// An empty folder: a corrupted tensor claiming external data finds nothing to read.
const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-fuzz-'));
afterAll(() => fs.rmSync(baseDir, { recursive: true, force: true }));

describe('the ONNX importer on 1,000 corrupted PaddleOCR cls models', () => {
  it('ends every case in a model or a ModelFormatError, quickly; parsed models round-trip', () => {
    const original = fs.readFileSync(PADDLE_CLS);
    const varints = varintsOf(original);
    expect(varints.length).toBeGreaterThan(10_000);
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const unexpected: string[] = [];
    const start = performance.now();
    let slowest = 0;

    for (let i = 0; i < CASES; i++) {
      const kind: Mutation = MUTATIONS[i % MUTATIONS.length]!;
      const bytes = Buffer.from(mutate(original, kind, rng(1000 + i), varints));
      const file = `case ${i} (${kind})`;
      const t0 = performance.now();
      let model: Model | undefined;
      try {
        model = importOnnx(bytes, { file, baseDir });
      } catch (e) {
        if (e instanceof ModelFormatError && e.message.startsWith(`${file}: `)) count(`${kind}: error`);
        else unexpected.push(`${file}: ${(e as Error)?.stack ?? String(e)}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
      if (!model) continue;
      count(`${kind}: parsed`);
      const diff = diffModels(model, importOnnx(exportOnnx(model).bytes));
      if (diff) unexpected.push(`${file}: parsed, but its export re-imports differently: ${diff}`);
    }

    expect(unexpected).toEqual([]);
    // Every kind of corruption is exercised, and both outcomes occur (the test is not vacuous).
    for (const kind of MUTATIONS) expect(outcomes.get(`${kind}: error`) ?? 0).toBeGreaterThan(10);
    expect((outcomes.get('flip: parsed') ?? 0) + (outcomes.get('overwrite: parsed') ?? 0)).toBeGreaterThan(
      100,
    );
    expect(slowest).toBeLessThan(2000);
    expect(performance.now() - start).toBeLessThan(30_000);
  });
});
