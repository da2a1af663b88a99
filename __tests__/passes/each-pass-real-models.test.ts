import { describe, expect, it } from 'vitest';
import { FINAL_PASSES, PASSES } from '../../src/passes/optimize.js';
import { REAL_MODELS } from '../helpers/models.js';
import { runPass } from '../helpers/passes.js';

/**
 * Every pass alone, on every real model: the model before and after the pass gives the same outputs in
 * ONNX Runtime (and the pass leaves its input as it was). Passes see the models as imported, Constant
 * nodes and all, so each must find its constants either way.
 */
describe.each(REAL_MODELS)('each pass alone on $name', (real) => {
  const model = real.load();
  const feeds = real.feeds(model);
  it.each([...PASSES, ...FINAL_PASSES])('$name', async (pass) => {
    const { after } = await runPass(pass.run, model, { feeds });
    expect(after.graph.outputs.map((v) => v.name)).toEqual(model.graph.outputs.map((v) => v.name));
  });
});
