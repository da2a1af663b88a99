import { describe, expect, it } from 'vitest';
import { opsetVersion } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/shapes.js';
import { REAL_MODELS } from '../helpers/models.js';
import { runOrt } from '../helpers/ort-compare.js';

/**
 * Shape inference on whole real models: with the inputs fixed to the fed shapes, every value whose shape
 * we infer fully must have exactly the shape ONNX Runtime computes, and nearly every value must be
 * inferred (the passes and the quantizer rely on it).
 */
describe.each(REAL_MODELS)('inferTypes on $name', (real) => {
  it('agrees with ONNX Runtime on every intermediate value', async () => {
    const model = real.load();
    const feeds = real.feeds(model);
    const g = model.graph.clone();
    g.inputs = g.inputs.map((v) => {
      const t = feeds[v.name];
      return t ? { ...v, type: { kind: 'tensor', dtype: t.dtype, shape: [...t.dims] } } : v;
    });
    const types = inferTypes(g, { opset: opsetVersion(model) });
    const names = g.nodes.flatMap((n) => n.outputs).filter((o) => o !== '');
    g.outputs = names.map((name) => ({ name }));
    const actual = await runOrt({ ...model, graph: g }, feeds);
    let inferred = 0;
    for (const name of names) {
      const t = types.get(name);
      if (t?.kind !== 'tensor' || !t.shape?.every((d) => typeof d === 'number')) continue;
      inferred++;
      expect(t.shape, name).toEqual([...actual[name]!.dims]);
      expect(t.dtype, name).toBe(actual[name]!.dtype);
    }
    expect(inferred / names.length).toBeGreaterThan(0.95);
  });
});
