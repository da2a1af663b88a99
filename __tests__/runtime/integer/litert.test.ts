/**
 * The affine arithmetic against LiteRT on one-op int8 models written with exportTflite: the 'litert'
 * kernels must give LiteRT's outputs (the acceptance bar: >= 99.9% equal, all within 1 step), the
 * 'reference' kernels (TFLite's reference, gemmlowp fixed point) within 1 step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { loadTflite, type TfliteData } from '../../../src/runtime/litert.js';
import { opCases, type OpCase } from './op-cases.js';

interface Compared {
  equal: number;
  total: number;
  maxSteps: number;
}

const CASES = opCases();
const expected = new Map<string, Record<string, TfliteData>>();

/** Outputs as stored values: int8 as is, float32 in steps of the input's scale (DEQUANTIZE). */
function compare(c: OpCase, lite: Record<string, TfliteData>, ours: Record<string, Tensor>): Compared {
  const r: Compared = { equal: 0, total: 0, maxSteps: 0 };
  for (const [name, a] of Object.entries(lite)) {
    const b = ours[name]!.data as ArrayLike<number>;
    const step = a instanceof Float32Array ? c.model.graph.inputs[0]!.quant!.scale[0]! : 1;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(Number(a[i]) - b[i]!) / step;
      r.total++;
      if (d < 1e-6) r.equal++;
      r.maxSteps = Math.max(r.maxSteps, d);
    }
  }
  return r;
}

function runOurs(c: OpCase, opts: IntegerExecutorOptions): Record<string, Tensor> {
  const model = importTflite(exportTflite(c.model));
  const feeds: Record<string, Tensor> = {};
  for (const v of model.graph.inputs) {
    const data = c.feeds[v.name]!;
    const dtype = data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'int8';
    feeds[v.name] = new Tensor(dtype, (v.type as { shape: number[] }).shape, data);
  }
  return createIntegerExecutor(model, { scheme: 'affine', ...opts }).run(feeds);
}

beforeAll(async () => {
  for (const c of CASES) {
    const runner = await loadTflite(exportTflite(c.model), c.name);
    const out = await runner.run(c.feeds);
    runner.close();
    expected.set(c.name, Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data])));
  }
});

afterAll(() => expected.clear());

describe.each([true, false])('affine vs LiteRT, one op per model (wasm %s)', (wasm) => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s: 'litert' kernels give LiteRT's outputs", (_, c) => {
    const r = compare(c, expected.get(c.name)!, runOurs(c, { wasm }));
    expect(r.total).toBeGreaterThan(0);
    expect(r.equal / r.total).toBeGreaterThanOrEqual(0.999);
    expect(r.maxSteps).toBeLessThanOrEqual(1);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s: 'reference' kernels within 1 step", (_, c) => {
    const r = compare(c, expected.get(c.name)!, runOurs(c, { wasm, affineKernels: 'reference' }));
    expect(r.maxSteps).toBeLessThanOrEqual(1);
  });
});

it("the 'reference' kernels differ from LiteRT where XNNPACK's arithmetic does (so the flavours are not the same code)", () => {
  const differing = CASES.filter((c) => {
    const r = compare(c, expected.get(c.name)!, runOurs(c, { affineKernels: 'reference' }));
    return r.equal < r.total;
  }).map((c) => c.name.split(' ')[0]);
  for (const op of ['CONV_2D', 'ADD', 'SUB', 'LEAKY_RELU', 'QUANTIZE']) expect(differing).toContain(op);
});
