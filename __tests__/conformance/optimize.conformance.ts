import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnx, tensorFromProto } from '../../src/formats/onnx/import.js';
import { TensorProto } from '../../src/formats/onnx/schema.js';
import type { Model } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { optimize } from '../../src/passes/optimize.js';
import { runOrt } from '../helpers/ort-compare.js';
import { NODE_CASES, nodeCaseDirs } from './node-cases.js';

/**
 * The optimizer over every node case of the ONNX backend test suite (Debian libonnx-testdata): it must
 * never crash, and ONNX Runtime must give the same outputs before and after on the case's own inputs.
 * Cases ORT cannot run as shipped are not counted. Part of `npm run conformance` (the Debian data), not
 * of `npm test`; without the data it fails, as it would find nothing to check.
 */

function readInputs(dir: string, model: Model): Record<string, Tensor> | undefined {
  const data = path.join(dir, 'test_data_set_0');
  if (!fs.existsSync(data)) return undefined;
  const files = fs
    .readdirSync(data)
    .filter((f) => f.startsWith('input_'))
    .sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
  const names = model.graph.runtimeInputs().map((v) => v.name);
  const feeds: Record<string, Tensor> = {};
  try {
    files.forEach((f, i) => {
      const proto = TensorProto.decode(fs.readFileSync(path.join(data, f))) as Record<string, any>;
      feeds[names[i]!] = tensorFromProto(proto, { file: f, baseDir: data });
    });
  } catch {
    return undefined; // sequences, optionals: not tensors
  }
  return feeds;
}

function loadCase(dir: string): { model: Model; feeds: Record<string, Tensor> } | undefined {
  try {
    const model = importOnnx(fs.readFileSync(path.join(dir, 'model.onnx')), { baseDir: dir });
    const feeds = readInputs(dir, model);
    return feeds && { model, feeds };
  } catch {
    return undefined;
  }
}

/** Same values, NaN equal to NaN and infinities to themselves; 1e-4 relative slack for float reassociation. */
function sameOutputs(a: Record<string, Tensor>, b: Record<string, Tensor>): string | undefined {
  for (const [name, t] of Object.entries(a)) {
    const u = b[name];
    if (!u || u.dtype !== t.dtype || u.dims.join() !== t.dims.join()) return `${name}: type or shape changed`;
    if (Array.isArray(t.data)) continue;
    let x: number[], y: number[];
    try {
      [x, y] = [t.toNumbers(), u.toNumbers()];
    } catch {
      continue;
    }
    const bad = x.findIndex(
      (v, i) => !(Object.is(v, y[i]) || Math.abs(v - y[i]!) <= 1e-4 * Math.max(1, Math.abs(v))),
    );
    if (bad >= 0) return `${name}[${bad}]: ${x[bad]} vs ${y[bad]}`;
  }
  return undefined;
}

describe('optimize over the ONNX backend node cases', () => {
  it('never crashes and never changes an output', async () => {
    const failures: string[] = [];
    let checked = 0;
    let rewritten = 0;
    expect(fs.existsSync(NODE_CASES), `${NODE_CASES} is missing: apt-get install libonnx-testdata`).toBe(
      true,
    );
    for (const dir of nodeCaseDirs()) {
      const name = path.basename(dir);
      const c = loadCase(dir);
      if (!c) continue;
      let before: Record<string, Tensor>;
      try {
        before = await runOrt(c.model, c.feeds);
      } catch {
        continue; // ORT cannot run the case as shipped
      }
      const { model: after, report } = optimize(c.model);
      if (Object.keys(report.rules).some((k) => k !== 'annotate-fused-activation')) rewritten++;
      checked++;
      try {
        const diff = sameOutputs(before, await runOrt(after, c.feeds));
        if (diff) failures.push(`${name}: ${diff} (${JSON.stringify(report.rules)})`);
      } catch (e) {
        failures.push(`${name}: ORT rejects the optimized model: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(800);
    expect(rewritten).toBeGreaterThan(50);
  });
});
