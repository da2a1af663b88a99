/**
 * One case of the `io` bench, run in its own process by bench/io.ts:
 *   io <model.onnx> <out dir>   import then export the model; prints {importMs, exportMs, maxRss}
 *   baseline                    loads the same modules and does nothing; prints {maxRss}
 *   generate <file> <MB>        writes the large synthetic model; prints {bytes, ms}
 *   reencode <in> <out>         rewrites a model as protobufjs lays it out (canonical field order, no
 *                               alignment), the way files from other writers come; prints {bytes, ms}
 * The last line printed is the JSON result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeOnnxFile } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { ModelProto } from '../src/formats/onnx/schema.js';
import type { Graph } from '../src/ir/graph.js';
import type { Tensor } from '../src/ir/tensor.js';
import { makeLargeModel } from './large-model.js';

export interface IoResult {
  importMs: number;
  exportMs: number;
  runs: number;
  /** Peak RSS when the first import returned, before any export. */
  importMaxRss: number;
  maxRss: number;
  /** Weights the import had to copy (their bytes were not aligned in the file), of all held as bytes. */
  copied: number;
  weights: number;
}

/** process.resourceUsage().maxRSS is in kilobytes. */
const maxRss = () => process.resourceUsage().maxRSS * 1024;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Every tensor held as bytes, subgraphs included. */
function weights(g: Graph, out: Tensor[] = []): Tensor[] {
  const add = (t: Tensor) => !Array.isArray(t.data) && t.data.byteLength > 0 && out.push(t);
  for (const t of g.initializers.values()) add(t);
  for (const n of g.nodes) {
    for (const a of Object.values(n.attrs)) {
      if (a.kind === 'tensor') add(a.value);
      else if (a.kind === 'tensors') a.value.forEach(add);
      else if (a.kind === 'graph') weights(a.value, out);
      else if (a.kind === 'graphs') for (const sg of a.value) weights(sg, out);
    }
  }
  return out;
}

function io(file: string, outDir: string): IoResult {
  const size = fs.statSync(file).size;
  // Small models are timed over several runs (median); a large one once, as a user would meet it.
  const runs = size < 20e6 ? 5 : 1;
  const imports: number[] = [];
  const exports: number[] = [];
  let importMaxRss = 0;
  let copied = 0;
  let count = 0;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const model = readOnnxFile(file);
    imports.push(performance.now() - t);
    if (i === 0) {
      importMaxRss = maxRss();
      // A view of the file keeps the file's buffer (at least `size` bytes); a copy has one of its own.
      const all = weights(model.graph);
      count = all.length;
      copied = all.filter((w) => (w.data as ArrayBufferView).buffer.byteLength < size).length;
    }
    t = performance.now();
    writeOnnxFile(model, path.join(outDir, path.basename(file)));
    exports.push(performance.now() - t);
  }
  return {
    importMs: median(imports),
    exportMs: median(exports),
    runs,
    importMaxRss,
    maxRss: maxRss(),
    copied,
    weights: count,
  };
}

const [mode, ...args] = process.argv.slice(2);
let result: unknown;
if (mode === 'io') result = io(args[0]!, args[1]!);
else if (mode === 'baseline') result = { maxRss: maxRss() };
else if (mode === 'generate') {
  const t = performance.now();
  writeOnnxFile(makeLargeModel(Number(args[1]) * 1e6), args[0]!);
  result = { bytes: fs.statSync(args[0]!).size, ms: performance.now() - t };
} else if (mode === 'reencode') {
  const t = performance.now();
  fs.writeFileSync(args[1]!, ModelProto.encode(ModelProto.decode(fs.readFileSync(args[0]!))).finish());
  result = { bytes: fs.statSync(args[1]!).size, ms: performance.now() - t };
} else throw new Error(`unknown mode '${mode}'`);
console.log(JSON.stringify(result));
