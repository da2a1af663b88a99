/**
 * Calibration alone in a fresh process (so peak RSS is its own); prints one JSON line.
 *   <model> <samples-dir|-|pages> <n> <shape|-> <method> [stream]
 * Calibrates the tensors the pipeline calibrates (the plan's, after the optimizer and the HardSwish split) over n samples read
 * into memory beforehand, so the figure is what `floor` in pipeline-case.ts is compared with: ONNX
 * Runtime creating a session and running the float model over the same samples. Session creation is in.
 */
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { opsetVersion } from '../src/ir/graph.js';
import { parseOptions } from '../src/options.js';
import { optimize } from '../src/passes/optimize.js';
import { upgradeOpset } from '../src/passes/upgrade-opset.js';
import { planData } from '../src/pipeline/data.js';
import { splitHardSwishPass } from '../src/passes/split-hardswish.js';
import { planQuantization } from '../src/quant/assign.js';
import { calibrateStats, type Feeds, type SampleSource } from '../src/quant/calibrate.js';
import { elementTypes } from '../src/quant/dtypes.js';
import type { CalibMethod } from '../src/quant/observers.js';
import { histogramsRead } from '../src/quant/quantize.js';
import { constantsAsInitializers } from '../src/quant/subgraphs.js';
import { textPages } from './text-pages.js';

const [modelPath, dir, n, shape, method, stream] = process.argv.slice(2);
const raw: Record<string, string> = { input: modelPath!, output: '', calib_samples: n! };
// 'pages': rendered text pages (bench/text-pages.ts, at the shape given) in place of synthetic samples:
// samples that differ as real ones do, which synthetic ones (all alike) do not show.
const pages = dir === 'pages';
if (dir !== '-' && !pages) raw.calib_data = dir!;
if (shape !== '-') raw.input_shape = shape!;
const opts = parseOptions(raw);
const optimized = optimize(readOnnxFile(modelPath!)).model;
const upgraded = (opsetVersion(optimized) ?? 13) < 13 ? upgradeOpset(optimized).model : optimized;
// As quantizeFloatModel prepares it: HardSwish split into Mul(x, HardSigmoid(x)), whose HardSigmoid
// outputs are calibrated too (without the split, PP-OCRv4 det's calibration here lacked 24 maps of 14
// million values a sample at 640x640 that the CLI calibrates).
const model = {
  ...upgraded,
  graph: splitHardSwishPass()(constantsAsInitializers(upgraded.graph), {
    opset: opsetVersion(upgraded) ?? 13,
    irVersion: upgraded.irVersion,
  }).graph,
};
const g = model.graph;
const types = elementTypes(g);
const plan = planQuantization(g, types, { exclude: [] });
const floatInputs = g
  .runtimeInputs()
  .filter((v) => types.get(v.name) === 'float32')
  .map((v) => v.name);
const tensors = [...new Set([...plan.calibrate, ...floatInputs])];

// 'stream': the samples read (or drawn) as calibration goes, as the pipeline does, so that peak RSS is
// calibration's own whatever the sample count; else held in memory beforehand, as the floor holds them.
const planned = (await planData(model, opts)).calibration;
const samples: Feeds[] = [];
if (pages) {
  const [, , h, w] = shape!.split('x').map(Number);
  const input = g.runtimeInputs()[0]!.name;
  for (const t of textPages(Number(n), 303, { height: h!, width: w! })) samples.push({ [input]: t });
} else if (stream !== 'stream') for await (const feeds of planned.samples()) samples.push(feeds);
const source: SampleSource =
  stream === 'stream' && !pages
    ? planned
    : {
        count: samples.length,
        kind: 'synthetic',
        async *samples() {
          yield* samples;
        },
      };
let again = 0;
const t0 = performance.now();
const c0 = process.cpuUsage();
// 'pow2': the pow2 scheme's default (percentile, with the histograms its sum-inputs exponents read).
const pow2 = method === 'pow2';
const stats = await calibrateStats(model, tensors, source, {
  method: pow2 ? 'percentile' : (method as CalibMethod),
  percentile: opts.percentile,
  histograms: pow2 && histogramsRead(g, 'sum-inputs', 'B16'),
  // Samples run again for tensors the reduced pass did not settle (pass 2).
  onSample: (pass, done) => {
    if (pass === 2) again++;
    // BENCH_MEMORY=1: where the memory is, every 16 samples (JS heap and buffers against the process).
    if (process.env.BENCH_MEMORY && done % 16 === 0) {
      const m = process.memoryUsage();
      console.error(
        JSON.stringify({ done, rss: m.rss >> 20, heap: m.heapUsed >> 20, buffers: m.arrayBuffers >> 20 }),
      );
    }
  },
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    samples: source.count,
    tensors: stats.ranges.size,
    again,
    maxRss: process.resourceUsage().maxRSS * 1024,
  }),
);
