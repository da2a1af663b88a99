/**
 * One case of the `large` bench, run in its own process by bench/large.ts (so peak RSS is its own):
 *   generate <file> <MB>       writes makeLargeModel's MLP with its weights as external data; prints {bytes, ms}
 *   quantize <file> <out dir>  the CLI's default run (both formats, pow2) through quantizeModel, with few
 *                              synthetic samples; prints {ms, maxRss, timings, files, warnings}
 * The last line printed is the JSON result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeOnnxFile } from '../src/formats/onnx/export.js';
import { parseOptions } from '../src/options.js';
import { quantizeModel } from '../src/pipeline/quantize-model.js';
import { makeLargeModel } from './large-model.js';

export interface LargeRun {
  ms: number;
  maxRss: number;
  timings: Record<string, number>;
  /** Peak RSS of the process when each stage ended (the stages run in order, so it grows). */
  stagePeaks: Record<string, number>;
  files: { path: string; bytes: number }[];
  warnings: string[];
}

/** Few samples: the model is a chain of Gemms whose every run reads all of its weights. */
const SAMPLES = '8';

async function quantize(file: string, out: string): Promise<LargeRun> {
  const stagePeaks: Record<string, number> = {};
  let stage: string | undefined;
  const peak = () => process.resourceUsage().maxRSS * 1024;
  const onProgress = (e: { stage: string }) => {
    if (stage && e.stage !== stage && !(stage in stagePeaks)) stagePeaks[stage] = peak();
    stage = e.stage;
  };
  const t0 = performance.now();
  const opts = parseOptions({ input: file, output: out, calib_samples: SAMPLES });
  const { report } = await quantizeModel(opts, { onProgress });
  const ms = performance.now() - t0;
  if (stage && !(stage in stagePeaks)) stagePeaks[stage] = peak();
  // Everything the run left in its folder, external data files included.
  const files = fs.readdirSync(out).map((f) => ({ path: f, bytes: fs.statSync(path.join(out, f)).size }));
  return {
    ms,
    maxRss: process.resourceUsage().maxRSS * 1024,
    timings: report.timingsMs,
    stagePeaks,
    files,
    warnings: report.warnings,
  };
}

const [mode, ...args] = process.argv.slice(2);
let result: unknown;
if (mode === 'generate') {
  const t = performance.now();
  const file = args[0]!;
  const data = writeOnnxFile(makeLargeModel(Number(args[1]) * 1e6), file, {
    externalData: { location: `${path.basename(file)}.data` },
  });
  result = { bytes: fs.statSync(file).size + fs.statSync(data!).size, ms: performance.now() - t };
} else if (mode === 'quantize') result = await quantize(args[0]!, args[1]!);
else throw new Error(`unknown mode '${mode}'`);
console.log(JSON.stringify(result));
