/**
 * `npm run examples [-- <folder>]`: regenerates the example models and their input samples (default
 * folder: examples/). The output is byte-for-byte reproducible; __tests__/examples checks that the
 * committed files are what this script writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExamples } from './examples/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'examples'));
const started = Date.now();
const files = makeExamples(outDir);
for (const f of files.filter((f) => /\.(onnx|tflite)$/.test(f))) {
  console.log(`${path.relative(process.cwd(), f)}  ${(fs.statSync(f).size / 1024).toFixed(1)} KiB`);
}
const samples = files.filter((f) => /\.(npy|npz)$/.test(f)).length;
console.log(
  `${samples} samples; ${files.length} files in ${outDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
