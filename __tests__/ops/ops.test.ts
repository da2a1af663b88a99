import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/shapes.js';
import { Tensor } from '../../src/ir/tensor.js';
import { getOp } from '../../src/ops/index.js';
import { GraphBuilder, rng } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';
import { CASES, type CaseInput, type OpCase } from './cases.js';

function tensorFor(input: CaseInput, random: () => number): Tensor {
  const n = input.shape.reduce((a, b) => a * b, 1);
  const dtype = input.dtype ?? 'float32';
  const vals =
    input.values ??
    Array.from({ length: n }, () => (input.positive ? 0.1 + 1.9 * random() : 4 * random() - 2));
  if (dtype === 'int64') return Tensor.int64(input.shape, vals);
  if (dtype === 'bool') return new Tensor('bool', input.shape, Uint8Array.from(vals, Number));
  return Tensor.float32(input.shape, vals.map(Number));
}

/** The case as a one-node model; inputs without given values are runtime inputs unless `allConstant`. */
function build(c: OpCase, allConstant: boolean): { model: Model; feeds: Record<string, Tensor> } {
  const b = new GraphBuilder();
  const random = rng(3);
  const feeds: Record<string, Tensor> = {};
  const names = c.inputs.map((input, i) => {
    if (!input) return '';
    const t = tensorFor(input, random);
    const name = `in${i}`;
    if (input.values || allConstant) return b.init(name, t);
    feeds[name] = t;
    return b.input(name, input.shape, t.dtype);
  });
  const outs = b.nodeN(c.op, names, c.outputs ?? 1, c.attrs ?? {});
  for (const o of outs) b.g.outputs.push({ name: o });
  return { model: b.model(c.opset ?? 13), feeds };
}

const label = (c: OpCase, i: number) => `${c.op}-${c.opset ?? 13} #${i}${c.label ? ` (${c.label})` : ''}`;

describe('op shape inference agrees with ONNX Runtime', () => {
  CASES.forEach((c, i) => {
    it(label(c, i), async () => {
      const { model, feeds } = build(c, false);
      const actual = await runOrt(model, feeds);
      const types = inferTypes(model.graph, { opset: c.opset ?? 13 });
      for (const o of model.graph.outputs) {
        const t = types.get(o.name);
        expect(t?.kind === 'tensor' && t.shape, `${o.name} shape`).toEqual([...actual[o.name]!.dims]);
        expect(t?.kind === 'tensor' && t.dtype, `${o.name} dtype`).toBe(actual[o.name]!.dtype);
      }
    });
  });
});

describe('op reference compute agrees with ONNX Runtime', () => {
  CASES.filter((c) => getOp(c.op)?.evaluate).forEach((c, i) => {
    it(label(c, i), async () => {
      const { model } = build(c, true);
      const node = model.graph.nodes[0]!;
      const actual = await runOrt(model, {});
      const got = getOp(c.op)!.evaluate!(
        node,
        node.inputs.map((n) => model.graph.initializers.get(n)),
        c.opset ?? 13,
      );
      node.outputs.forEach((o, k) => {
        const want = actual[o]!;
        expect(got[k]!.dtype).toBe(want.dtype);
        expect([...got[k]!.dims]).toEqual([...want.dims]);
        const [x, y] = [got[k]!.toNumbers(), want.toNumbers()];
        x.forEach((v, j) =>
          expect(Math.abs(v - y[j]!), `element ${j}`).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(y[j]!)),
          ),
        );
      });
    });
  });
});
