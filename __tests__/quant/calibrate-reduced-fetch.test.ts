import { describe, expect, it, vi } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { optimize } from '../../src/passes/optimize.js';
import { planQuantization } from '../../src/quant/assign.js';
import { calibrateStats, type Feeds, type SampleSource } from '../../src/quant/calibrate.js';
import { elementTypes } from '../../src/quant/dtypes.js';
import { histogramsRead } from '../../src/quant/quantize.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';

// Every session the calibration opens, with the outputs each of its runs asked for (undefined: all).
const sessions = vi.hoisted(() => [] as { outputs: string[]; runs: (string[] | undefined)[] }[]);

vi.mock('../../src/runtime/ort-model.js', async (original) => {
  const mod = await original<typeof import('../../src/runtime/ort-model.js')>();
  return {
    ...mod,
    createModelSession: async (...args: Parameters<typeof mod.createModelSession>) => {
      const s = await mod.createModelSession(...args);
      const seen = { outputs: [...s.outputNames], runs: [] as (string[] | undefined)[] };
      sessions.push(seen);
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        run: (feeds: Parameters<typeof s.run>[0], outputs?: readonly string[]) => {
          seen.runs.push(outputs && [...outputs]);
          return s.run(feeds, outputs);
        },
        close: () => s.close(),
      };
    },
  };
});

describe('reduced percentile calibration, what crosses from ONNX Runtime', () => {
  it("fetches only the reduced output on the first sample's first run (the plain outputs come with its second)", async () => {
    const model = optimize(readOnnxFile('examples/mobilenet_v1_bn.onnx')).model;
    const g = model.graph;
    const tensors = [...planQuantization(g, elementTypes(g), { exclude: [] }).calibrate];
    const all: Feeds[] = [];
    const files = listSampleFiles('examples/mobilenet_v1_bn/samples').slice(0, 3);
    for await (const f of fileSamples(files, g.runtimeInputs()).samples()) all.push(f);
    const source: SampleSource = {
      count: all.length,
      kind: 'data',
      async *samples() {
        yield* all;
      },
    };
    // Two of pow2's conv-input histograms: plain outputs beside the reduced one (the other maps).
    const histograms = (histogramsRead(g, 'conv-inputs', 'B16') as string[]).slice(1, 3);
    const stats = await calibrateStats(model, tensors, source, {
      method: 'percentile',
      percentile: 99.99,
      histograms,
      reduction: true,
    });
    expect(stats.histograms.size).toBe(2);
    expect(sessions).toHaveLength(1);
    const [{ outputs, runs }] = sessions as [(typeof sessions)[number]];
    expect(outputs.length).toBeGreaterThan(2);
    // Three samples, the first run twice: its first run asks for the reduced output alone, the first
    // of the session's outputs (rowCalibrationModel); the others for every output.
    expect(runs).toEqual([[outputs[0]], undefined, undefined, undefined]);
  });
});
