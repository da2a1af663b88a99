import { expect } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { opsetVersion, type Model } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { Pass, PassStats } from '../../src/passes/types.js';
import { compareOrt, randomFeeds, type Agreement } from './ort-compare.js';

/** The acceptance bound: max |before - after| <= 1e-4 x the output's range. */
export const TOLERANCE = 1e-4;

export interface PassRun {
  after: Model;
  stats: PassStats;
  agreement: Agreement;
}

/**
 * Runs a pass on a model and proves it: the input model is left as it was (same bytes), and ONNX
 * Runtime gives the same outputs before and after on random inputs.
 */
export async function runPass(
  pass: Pass,
  model: Model,
  opts: { shapes?: Record<string, number[]>; feeds?: Record<string, Tensor> } = {},
): Promise<PassRun> {
  const bytes = Buffer.from(exportOnnx(model).bytes);
  const r = pass(model.graph, { opset: opsetVersion(model) ?? 0, irVersion: model.irVersion });
  expect(Buffer.from(exportOnnx(model).bytes).equals(bytes), 'the pass changed its input graph').toBe(true);
  const after: Model = { ...model, graph: r.graph };
  const agreement = await compareOrt(model, after, opts.feeds ?? randomFeeds(model, opts.shapes ?? {}));
  expect(agreement.worstRatio, JSON.stringify(agreement.outputs)).toBeLessThanOrEqual(TOLERANCE);
  return { after, stats: r.stats, agreement };
}
