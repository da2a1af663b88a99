import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { topoSort } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/optimize.js';
import { planQuantization } from '../../src/quant/assign.js';
import {
  calibrateStats,
  type CalibrationOptions,
  type Feeds,
  type SampleSource,
} from '../../src/quant/calibrate.js';
import { elementTypes } from '../../src/quant/dtypes.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';

async function setup() {
  const model = optimize(readOnnxFile('examples/mobilenet_v1_bn.onnx')).model;
  const g = model.graph;
  const planned = new Set(planQuantization(g, elementTypes(g), { exclude: [] }).calibrate);
  // In the order the graph computes them; the last one is handed to the alongside observer instead.
  const order = topoSort(g).flatMap((n) => n.outputs.filter((o) => planned.has(o)));
  const watched = order.at(-1)!;
  const tensors = order.slice(0, -1);
  const all: Feeds[] = [];
  const files = listSampleFiles('examples/mobilenet_v1_bn/samples').slice(0, 4);
  for await (const f of fileSamples(files, g.runtimeInputs()).samples()) all.push(f);
  const source: SampleSource = {
    count: all.length,
    kind: 'data',
    async *samples() {
      yield* all;
    },
  };
  return { model, tensors, watched, source };
}

// Each way calibration runs the model: every tensor fetched (calibrateFull), reduced in the graph, and
// reduced in segments (a small fetch budget).
const ways: { name: string; opts: Omit<CalibrationOptions, 'alongside'> }[] = [
  { name: 'fetched whole', opts: { method: 'minmax', percentile: 100, reduction: false } },
  { name: 'minmax reduced', opts: { method: 'minmax', percentile: 100, reduction: true } },
  { name: 'percentile reduced', opts: { method: 'percentile', percentile: 99.9, reduction: true } },
  {
    name: 'percentile reduced, in segments',
    opts: { method: 'percentile', percentile: 99.9, reduction: true, fetchBudget: 20_000 },
  },
];

describe('calibration observes a run while the next one goes on', () => {
  it.each(ways)(
    '$name: the next run starts before the last is observed; ranges as one by one',
    async (way) => {
      const { model, tensors, watched, source } = await setup();
      const calibrated = async () => {
        const events: string[] = [];
        const seen: Float32Array[] = [];
        const stats = await calibrateStats(model, tensors, source, {
          ...way.opts,
          alongside: {
            outputs: [watched],
            // Asked for each sample's own feeds just before its run starts.
            feeds: (index) => (events.push(`run ${index}`), {}),
            observe: (_, data) => {
              events.push(`observe ${seen.length}`);
              seen.push(data.slice());
            },
          },
        });
        return { stats, events, seen };
      };
      const overlapped = await calibrated();
      // (A second pass, for percentiles the reduced values left unsettled, feeds the alongside again and
      // observes nothing.)
      expect(overlapped.events.slice(0, 8)).toEqual([
        'run 0',
        'run 1',
        'observe 0',
        'run 2',
        'observe 1',
        'run 3',
        'observe 2',
        'observe 3',
      ]);
      expect(overlapped.events.slice(8).every((e) => e.startsWith('run'))).toBe(true);
      // The sessions on the calling thread (no worker): the same ranges, histograms and values observed.
      const before = process.env.MODEL_QUANT_WORKERS;
      process.env.MODEL_QUANT_WORKERS = '0';
      try {
        const here = await calibrated();
        expect(overlapped.stats.ranges).toEqual(here.stats.ranges);
        expect(overlapped.stats.histograms).toEqual(here.stats.histograms);
        expect(overlapped.seen).toEqual(here.seen);
      } finally {
        if (before === undefined) delete process.env.MODEL_QUANT_WORKERS;
        else process.env.MODEL_QUANT_WORKERS = before;
      }
    },
  );
});
