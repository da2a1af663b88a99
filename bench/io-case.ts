/**
 * One case of the `io` bench, run in its own process by bench/io.ts:
 *   io <model.onnx> <out dir>   import then export the model; prints {importMs, exportMs, maxRss}
 *   baseline                    loads the same modules and does nothing; prints {maxRss}
 *   generate <file> <MB>        writes the large synthetic model; prints {bytes, ms}
 * The last line printed is the JSON result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeOnnxFile } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { makeLargeModel } from './large-model.js';

export interface IoResult {
  importMs: number;
  exportMs: number;
  runs: number;
  /** Peak RSS when the first import returned, before any export. */
  importMaxRss: number;
  maxRss: number;
}

/** process.resourceUsage().maxRSS is in kilobytes. */
const maxRss = () => process.resourceUsage().maxRSS * 1024;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function io(file: string, outDir: string): IoResult {
  // Small models are timed over several runs (median); a large one once, as a user would meet it.
  const runs = fs.statSync(file).size < 20e6 ? 5 : 1;
  const imports: number[] = [];
  const exports: number[] = [];
  let importMaxRss = 0;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const model = readOnnxFile(file);
    imports.push(performance.now() - t);
    if (i === 0) importMaxRss = maxRss();
    t = performance.now();
    writeOnnxFile(model, path.join(outDir, path.basename(file)));
    exports.push(performance.now() - t);
  }
  return { importMs: median(imports), exportMs: median(exports), runs, importMaxRss, maxRss: maxRss() };
}

const [mode, ...args] = process.argv.slice(2);
let result: unknown;
if (mode === 'io') result = io(args[0]!, args[1]!);
else if (mode === 'baseline') result = { maxRss: maxRss() };
else if (mode === 'generate') {
  const t = performance.now();
  writeOnnxFile(makeLargeModel(Number(args[1]) * 1e6), args[0]!);
  result = { bytes: fs.statSync(args[0]!).size, ms: performance.now() - t };
} else throw new Error(`unknown mode '${mode}'`);
console.log(JSON.stringify(result));
