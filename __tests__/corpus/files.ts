/**
 * The corpus test's view of a run, as a user sees it: the CLI in a fresh process, the files it wrote, and
 * those files loaded and run in their runtimes (ONNX Runtime for .onnx, LiteRT for .tflite) on the same
 * feeds. Agreement of the two files of one run is measured on their outputs: the fraction within one
 * output step (affine) and the SQNR of the .tflite against the .onnx (pow2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { encodeNpy } from '../../src/data/npy.js';
import { writeNpzFile } from '../../src/data/npz.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { loadTflite, type TfliteData } from '../../src/runtime/litert.js';
import { cli } from '../helpers/cli.js';

export type Scheme = 'pow2' | 'affine';
export type Feeds = Record<string, Tensor>;
type Outputs = Map<string, Float32Array>;

export interface Run {
  code: number | null;
  stderr: string;
  out: string;
  /** The default files of the input's format, by suffix ('_quant.onnx', ...). */
  files: Map<string, string>;
}

/**
 * Files every run writes: the .tflite and the reports, and for an .onnx input the .onnx. The per-layer
 * chart (_layers.svg) is checked apart: it is written when the report has per-layer figures.
 */
const REPORTS = ['_report.json', '_report.md'];
export const defaultFiles = (input: string): string[] =>
  input.endsWith('.onnx') ? ['_quant.onnx', '_quant.tflite', ...REPORTS] : ['_quant.tflite', ...REPORTS];

/** The default command (`args`: data or a shape, nothing else) with `--scheme` when affine. */
export function quantize(input: string, args: string[], scheme: Scheme): Run {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-corpus-'));
  const r = cli([
    '--input',
    input,
    '--output',
    out,
    ...args,
    ...(scheme === 'affine' ? ['--scheme', 'affine'] : []),
  ]);
  const stem = path.basename(input).replace(/\.(onnx|tflite)$/, '');
  const files = new Map(defaultFiles(input).map((s) => [s, path.join(out, stem + s)]));
  return { code: r.code, stderr: r.stderr + r.stdout, out, files };
}

/** Exit 0 and every default file written (not empty). */
export function expectDefaultFiles(run: Run): void {
  expect(run.code, run.stderr).toBe(0);
  const missing = [...run.files].filter(([, f]) => !fs.existsSync(f) || fs.statSync(f).size === 0);
  expect(
    missing.map(([s]) => s),
    run.stderr,
  ).toEqual([]);
  const report = JSON.parse(fs.readFileSync(run.files.get('_report.json')!, 'utf8')) as { layers: unknown[] };
  const chart = run.files.get('_report.json')!.replace(/_report\.json$/, '_layers.svg');
  expect(fs.existsSync(chart), 'the per-layer chart exactly when the report has per-layer figures').toBe(
    report.layers.length > 0,
  );
}

/** Writes each feed as `dir/sample_NNN.npy` (one input) or `.npz` (several): a --calib_data folder. */
export function writeSamples(feeds: Feeds[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-corpus-data-'));
  feeds.forEach((f, i) => {
    const base = path.join(dir, `sample_${String(i).padStart(3, '0')}`);
    const entries = Object.entries(f);
    if (entries.length === 1) fs.writeFileSync(`${base}.npy`, encodeNpy(entries[0]![1]));
    else writeNpzFile(`${base}.npz`, f);
  });
  return dir;
}

/** The .onnx in ONNX Runtime (the session options the report's onnx row uses) on each feed. */
export async function runOnnxFile(file: string, feeds: Feeds[]): Promise<Outputs[]> {
  const session = await createOrtSession(fs.readFileSync(file), { graphOptimizationLevel: 'basic' });
  try {
    const results: Outputs[] = [];
    for (const f of feeds) {
      const r = await session.run(f);
      results.push(new Map(Object.entries(r).map(([k, t]) => [k, t.toFloat32()])));
    }
    return results;
  } finally {
    await session.close();
  }
}

/** The .tflite in LiteRT on each feed (inputs by tensor name), outputs by tensor name, as float32. */
export async function runTfliteFile(file: string, feeds: Feeds[]): Promise<Outputs[]> {
  const runner = await loadTflite(fs.readFileSync(file), file);
  try {
    const results: Outputs[] = [];
    for (const f of feeds) {
      const input = runner.inputs.map((p) => tfliteData(f[p.tensorName] ?? f[p.name], p.tensorName, file));
      const r = await runner.run(input);
      results.push(new Map(runner.outputs.map((p) => [p.tensorName, asFloat(r[p.tensorName]!.data)])));
    }
    return results;
  } finally {
    runner.close();
  }
}

function tfliteData(t: Tensor | undefined, name: string, file: string): TfliteData {
  if (!t) throw new Error(`${file}: no feed for input '${name}'`);
  if (t.dtype === 'int64') return t.data as BigInt64Array;
  return t.toFloat32();
}

const asFloat = (d: TfliteData): Float32Array =>
  d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>, Number);

/** Zero feeds at each input's shape in a .tflite: enough to prove it loads and runs. */
export async function runsInLitert(file: string): Promise<void> {
  const runner = await loadTflite(fs.readFileSync(file), file);
  try {
    const feeds = runner.inputs.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      return p.dtype === 'int64'
        ? new BigInt64Array(n)
        : p.dtype === 'int32'
          ? new Int32Array(n)
          : new Float32Array(n);
    });
    const r = await runner.run(feeds);
    for (const p of runner.outputs) expect(r[p.tensorName], p.tensorName).toBeDefined();
  } finally {
    runner.close();
  }
}

/**
 * The step of each output of the .onnx: the scale of the DequantizeLinear that writes it. An output left
 * in float (no DequantizeLinear) gets the step an int8 grid over its observed range would have.
 */
export function outputSteps(onnxFile: string, ref: Outputs[]): Map<string, number> {
  const g: Graph = readOnnxFile(onnxFile).graph;
  const steps = new Map<string, number>();
  for (const o of g.outputs) {
    const dq = g.nodes.find((n) => n.opType === 'DequantizeLinear' && n.outputs[0] === o.name);
    const scale = dq && g.initializers.get(dq.inputs[1]!)?.toFloat32();
    if (scale?.length === 1) steps.set(o.name, scale[0]!);
    else {
      let [lo, hi] = [Infinity, -Infinity];
      for (const r of ref) for (const v of r.get(o.name)!) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      steps.set(o.name, Math.max(hi - lo, 1e-12) / 255);
    }
  }
  return steps;
}

export interface Agreement {
  /** Fraction of all output elements where the two files are within one step. */
  withinOneStep: number;
  /** SQNR of the .tflite's outputs against the .onnx's, over all outputs (dB); Infinity when equal. */
  sqnrDb: number;
}

/** The .tflite's outputs against the .onnx's, output by output (matched by name) and sample by sample. */
export function agreement(onnx: Outputs[], tflite: Outputs[], steps: Map<string, number>): Agreement {
  let [within, total, signal, noise] = [0, 0, 0, 0];
  onnx.forEach((r, i) => {
    for (const [name, step] of steps) {
      const [a, b] = [r.get(name)!, tflite[i]!.get(name)];
      if (!b) throw new Error(`output '${name}': not among the .tflite's outputs`);
      expect(b.length, name).toBe(a.length);
      for (let k = 0; k < a.length; k++) {
        const d = a[k]! - b[k]!;
        // A hair over one step still counts: both runtimes compute the step in float32.
        if (Math.abs(d) <= step * (1 + 1e-4)) within++;
        signal += a[k]! * a[k]!;
        noise += d * d;
      }
      total += a.length;
    }
  });
  return { withinOneStep: within / total, sqnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise) };
}

/** Loads and runs both files of one run on `feeds`; their agreement. */
export async function filesAgree(run: Run, feeds: Feeds[]): Promise<Agreement> {
  const onnxFile = run.files.get('_quant.onnx')!;
  const onnx = await runOnnxFile(onnxFile, feeds);
  const tflite = await runTfliteFile(run.files.get('_quant.tflite')!, feeds);
  return agreement(onnx, tflite, outputSteps(onnxFile, onnx));
}

/**
 * Where the report lists int16 activations (affine's dense-map rule, `--int16`), the two runtimes do not
 * compute the same integers there: ONNX Runtime runs 16-bit QDQ in float between DequantizeLinear and
 * QuantizeLinear, LiteRT with its 16x8 fixed-point kernels, both within one int16 step of the exact value,
 * and int8 rounding ties downstream resolve apart. One quantization still holds for both: each file's
 * SQNR against the float model (ONNX Runtime on the same feeds) within 0.5 dB of the other's, the bound
 * `__tests__/quant/int16.test.ts` holds --int16 to.
 */
export async function expectInt16Agreement(floatModel: string, run: Run, feeds: Feeds[]): Promise<void> {
  const float = await runOnnxFile(floatModel, feeds);
  const onnx = await runOnnxFile(run.files.get('_quant.onnx')!, feeds);
  const tflite = await runTfliteFile(run.files.get('_quant.tflite')!, feeds);
  const steps = outputSteps(run.files.get('_quant.onnx')!, float);
  const [onnxDb, tfliteDb] = [agreement(float, onnx, steps).sqnrDb, agreement(float, tflite, steps).sqnrDb];
  console.log(
    `int16 activations: SQNR against float .onnx ${onnxDb.toFixed(2)} dB, .tflite ${tfliteDb.toFixed(2)} dB`,
  );
  expect(Math.abs(onnxDb - tfliteDb), `.onnx ${onnxDb} dB, .tflite ${tfliteDb} dB`).toBeLessThan(0.5);
}

/** Names of the ops the run's report lists with int16 activations. */
export function int16Ops(run: Run): string[] {
  const report = JSON.parse(fs.readFileSync(run.files.get('_report.json')!, 'utf8')) as {
    int16?: { node: string }[];
  };
  return (report.int16 ?? []).map((o) => o.node);
}

/** The acceptance bound of issue 15: affine within one step on 99% of elements, pow2 at least 30 dB. */
/**
 * Issue 15's bounds: affine within one step on at least 99% of output elements, pow2 at least 30 dB. A
 * case that does not reach 30 dB yet names the floor it holds (`pow2Db`), so that the test still fails
 * when it gets worse; the README's corpus table lists them as open.
 */
export function expectAgreement(scheme: Scheme, a: Agreement, pow2Db = 30): void {
  if (scheme === 'affine') expect(a.withinOneStep, JSON.stringify(a)).toBeGreaterThanOrEqual(0.99);
  else expect(a.sqnrDb, JSON.stringify(a)).toBeGreaterThanOrEqual(pow2Db);
}

/** The .tflite's subgraph count (a multi-subgraph input must keep its control flow). */
export const subgraphCount = (file: string): number =>
  readTflite(fs.readFileSync(file), file).subgraphs.length;
