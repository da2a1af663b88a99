/**
 * STRIDED_SLICE moves int8 values without arithmetic: in every scheme the executor's output must be
 * LiteRT's, shape and values, exactly (the one-op cases are in op-cases.ts).
 */
import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor } from '../../../src/runtime/integer/index.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import { opCases } from './op-cases.js';

const CASES = opCases().filter((c) => c.name.startsWith('STRIDED_SLICE'));

describe.each(['affine', 'pow2'] as const)('STRIDED_SLICE, %s', (scheme) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: LiteRT output exactly', async (_, c) => {
    const bytes = exportTflite(c.model);
    const runner = await loadTflite(bytes, c.name);
    const lite = (await runner.run(c.feeds))['y']!;
    runner.close();
    const model = importTflite(bytes);
    const v = model.graph.inputs[0]!;
    const feeds = { [v.name]: new Tensor('int8', (v.type as { shape: number[] }).shape, c.feeds[v.name]!) };
    const ours = createIntegerExecutor(model, { scheme }).run(feeds)['y']!;
    expect(ours.dims).toEqual(lite.shape);
    expect(lite.data.length).toBeGreaterThan(0);
    expect(Array.from(ours.data as Int8Array)).toEqual(Array.from(lite.data as Int8Array));
  });
});

it('x[1:, ::-2, -4:7:3] of a 3x5x8 tensor by hand', () => {
  const c = CASES.find((k) => k.name === 'STRIDED_SLICE masks, negative stride')!;
  const x = c.feeds['x']!;
  const expected: number[] = [];
  for (const i of [1, 2])
    for (const j of [4, 2, 0]) for (const k of [4, 7]) expected.push(x[(i * 5 + j) * 8 + k]!);
  const model = importTflite(exportTflite(c.model));
  const ours = createIntegerExecutor(model, { scheme: 'affine' }).run({
    x: new Tensor('int8', [3, 5, 8], x),
  })['y']!;
  expect(ours.dims).toEqual([2, 3, 2]);
  expect(Array.from(ours.data as Int8Array)).toEqual(expected);
});
