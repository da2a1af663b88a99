import { describe, expect, it } from 'vitest';
import { optimize } from '../../src/passes/optimize.js';
import { assignActivationParams, planQuantization } from '../../src/quant/assign.js';
import { elementTypes } from '../../src/quant/dtypes.js';
import type { Range } from '../../src/quant/observers.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { meanCounts } from '../../src/quant/tie-free.js';
import { REAL_MODELS } from '../helpers/models.js';

/** One sample of the model's test feeds, as a sample source. */
const oneSample = (feeds: ReturnType<(typeof REAL_MODELS)[number]['feeds']>): SampleSource => ({
  count: 1,
  kind: 'synthetic',
  async *samples() {
    yield feeds;
  },
});

// Calibration observes plan.calibrate only: a range assignActivationParams reads outside it would be
// taken as [0, 0] without a word. Run it on a map that records what it asks for, with every input it
// gets in the pipeline (affine's mean counts included), and compare.
describe('plan.calibrate', () => {
  for (const real of REAL_MODELS) {
    for (const scheme of ['pow2', 'affine'] as const) {
      it(`holds every range parameter assignment reads: ${real.name}, ${scheme}`, async () => {
        const model = optimize(real.load()).model;
        const g = model.graph;
        const s = { scheme, inputParams: new Map(), baseInputScale: 1, exclude: [] };
        const plan = planQuantization(g, elementTypes(g), s);
        const counts =
          scheme === 'affine' ? await meanCounts(g, plan, oneSample(real.feeds(model))) : new Map();
        const read = new Set<string>();
        const recorder = new Map<string, Range>();
        recorder.get = (name: string) => {
          read.add(name);
          return undefined;
        };
        assignActivationParams(g, plan, recorder, s, new Map(), counts);
        expect([...read].filter((t) => !plan.calibrate.includes(t))).toEqual([]);
        // Fewer than all the activations int8 nodes read and write: a Conv output fused with its ReLU,
        // a MaxPool or Reshape output, are not observed.
        const touched = new Set(
          [...plan.quantized]
            .flatMap((n) => [...n.inputs, ...n.outputs])
            .filter((t) => t && !g.initializers.has(t)),
        );
        expect(plan.calibrate.length).toBeLessThan(touched.size);
      });
    }
  }
});
