import { indexGraph, type Graph, type Model } from '../ir/graph.js';
import { int8KernelsMaySaturate } from '../runtime/cpu.js';
import { createOrtSession, ortBackend, type OrtSession } from '../runtime/ort.js';
import { createModelSession } from '../runtime/ort-model.js';
import { Tensor } from '../ir/tensor.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { isFusableActivation } from '../quant/rules.js';
import { classAxis, MetricAccumulator, sequenceSteps, type OutputMetrics } from './metrics.js';
import { storedNhwc, toNhwc, transpose } from './nhwc.js';

export { toNhwc, transpose };

export interface LayerError {
  tensor: string;
  op: string;
  sqnrDb: number;
}

export interface Accuracy {
  samples: number;
  /** Which candidate top1Quant/top5Quant measure ('onnx': the .onnx in ONNX Runtime; 'device'). */
  of?: string;
  top1Float: number;
  top1Quant: number;
  top5Float: number;
  top5Quant: number;
}

export interface Evaluation {
  /** The .onnx file's outputs computed with exact integer arithmetic (see ortCandidates). */
  metrics: Record<string, OutputMetrics>;
  /**
   * The same, computed by ONNX Runtime's fused int8 kernels on this CPU, when those may saturate
   * (x86-64 without VNNI, native backend only).
   */
  nativeKernels?: Record<string, OutputMetrics>;
  layers: LayerError[];
  accuracy?: Accuracy;
}

export interface EvalOptions {
  /** One class index per sample, in sample order; enables labelled top-1/top-5 accuracy. */
  labels?: number[];
  /** The candidate whose first output is scored against the labels. */
  labelled?: string;
  signal?: AbortSignal;
  onSample?: (done: number, total: number) => void;
  /** Also measure every candidate over the first this many samples (Comparison.first). */
  firstSamples?: number;
}

export interface Outputs {
  [name: string]: { dims: readonly number[]; data: Float32Array };
}

/** The float model, run once per sample; its outputs are what every candidate is measured against. */
export interface Reference {
  /** Output names in the model's order (the first is the one labels score). */
  readonly outputNames: readonly string[];
  run(feeds: Feeds): Promise<Record<string, Tensor>>;
  close(): Promise<void> | void;
}

/** One way of running a written file (ONNX Runtime, LiteRT, the integer executor). */
export interface Candidate {
  /**
   * Takes 4-D inputs as NHWC (transposed from the NCHW samples); 4-D outputs are transposed back. Which
   * ones is read from `shapes` when given: a value whose shape is the model's own (an input the ONNX
   * graph already has NHWC, as TensorFlow-origin models do) is passed as it is.
   */
  nhwc?: boolean;
  /** The file's input and output shapes by name. */
  shapes?: Record<string, readonly number[]>;
  /** Exactly the inputs and outputs stored NHWC, when the converter said so (overrides `shapes`). */
  stored?: ReadonlySet<string>;
  /**
   * Runs on the first this many samples only (a figure that only a warning reads), and is closed after
   * the last of them, so that its memory is free for the others (close may be called again after).
   */
  samples?: number;
  /**
   * A .tflite candidate: the bytes an integer executor's values take on its file (buffer-plan.ts
   * valueBytes), the measure of what opening a device candidate of the same file adds to memory (PP-OCRv4
   * det pow2 at 640x640: 10 MB of values; the executor, with its weights and scratch, about 30 MB of RSS).
   * remote-tflite.ts opens those ahead, beside LiteRT, where it is small (AHEAD_BYTES).
   */
  valueBytes?: number;
  run(feeds: Feeds): Promise<Outputs>;
  close(): Promise<void> | void;
}

export interface Comparison {
  /** Per candidate, per output. */
  metrics: Record<string, Record<string, OutputMetrics>>;
  accuracy?: Accuracy;
  /** Per output: root mean square of the float reference over the samples. */
  referenceRms: Record<string, number>;
  /** `metrics` over the first `firstSamples` samples, when asked. */
  first?: Record<string, Record<string, OutputMetrics>>;
}

/** The float model in ONNX Runtime, exported once, with the session options a user runs it with. */
export async function ortReference(floatModel: Model): Promise<Reference> {
  const s = await createModelSession(floatModel);
  return { outputNames: s.outputNames, run: (feeds) => s.run(feeds), close: () => s.close() };
}

/**
 * The written .onnx file in ONNX Runtime. The figures describe the file, not this machine: ORT at the
 * 'basic' level leaves the QDQ graph unfused (DequantizeLinear -> float op -> QuantizeLinear), which
 * computes what exact integer kernels compute (ARM, VNNI x86, LiteRT, NPUs) up to float rounding. ORT's
 * fused int8 kernels on x86 without VNNI saturate int16 pair sums; where that applies they run too
 * (`native`), and the pipeline warns when they differ. Where they are exact, the pipeline's paired
 * evaluation runs the file in them past the per-layer samples (eval/paired.ts, PairedThen).
 */
export async function ortCandidates(quantFile: string): Promise<{ onnx: Candidate; native?: Candidate }> {
  const onnx = ortCandidate(await createOrtSession(quantFile, { graphOptimizationLevel: 'basic' }));
  const native = await nativeCandidate(quantFile);
  return native ? { onnx, native } : { onnx };
}

/** The file in ONNX Runtime's fused int8 kernels, where those may saturate on this CPU (see ortCandidates). */
export async function nativeCandidate(quantFile: string): Promise<Candidate | undefined> {
  return (await ortBackend()) === 'node' && int8KernelsMaySaturate()
    ? ortCandidate(await createOrtSession(quantFile))
    : undefined;
}

/**
 * Whether ONNX Runtime's fused int8 kernels compute a file exactly here: the native backend on a CPU whose
 * int8 sums do not saturate (ARM, VNNI x86). The WASM build is not counted on.
 */
export async function nativeKernelsExact(): Promise<boolean> {
  return (await ortBackend()) === 'node' && !int8KernelsMaySaturate();
}

/** A session on a written (or about to be written) .onnx as an evaluation candidate. */
export function ortCandidate(s: OrtSession): Candidate {
  return {
    async run(feeds) {
      const out: Outputs = {};
      for (const [k, t] of Object.entries(await s.run(feeds))) out[k] = { dims: t.dims, data: t.toFloat32() };
      return out;
    },
    close: () => s.close(),
  };
}

/**
 * Streams once over the samples: the float reference runs once per sample and every candidate runs on the
 * same sample, so each float output is computed once however many files are measured. Per candidate and
 * output: how far the candidate's outputs are from float; with labels, top-1/top-5 of float and of the
 * `labelled` candidate.
 */
export async function compareOutputs(
  reference: Reference,
  candidates: Record<string, Candidate>,
  source: SampleSource,
  opts: EvalOptions = {},
): Promise<Comparison> {
  const acc: Record<string, Record<string, MetricAccumulator>> = {};
  const firstAcc: typeof acc = {};
  for (const key of Object.keys(candidates)) acc[key] = {};
  const hits = { n: 0, f1: 0, q1: 0, f5: 0, q5: 0 };
  const first = reference.outputNames[0]!;
  // Candidates that all stop early (a truncating run for a warning) need no more samples than they take.
  const limits = Object.values(candidates).map((c) => c.samples);
  const last = limits.length && limits.every((n) => n !== undefined) ? Math.max(...limits) : Infinity;
  let i = 0;
  for await (const feeds of source.samples()) {
    if (i >= last) break;
    opts.signal?.throwIfAborted();
    const ref = await reference.run(feeds);
    let nhwcFeeds: Feeds | undefined;
    for (const [key, c] of Object.entries(candidates)) {
      if (c.samples !== undefined && i >= c.samples) {
        if (i === c.samples) await c.close();
        continue;
      }
      if (c.nhwc) nhwcFeeds ??= toNhwc(feeds, c);
      const out = await c.run(c.nhwc ? nhwcFeeds! : feeds);
      for (const [name, r] of Object.entries(ref)) {
        const o = out[name];
        if (!o || r.dtype !== 'float32') continue;
        const data =
          c.nhwc && (c.stored ? c.stored.has(name) && r.dims.length === 4 : storedNhwc(r.dims, o.dims))
            ? (transpose(Tensor.float32(o.dims, o.data), [0, 3, 1, 2]).data as Float32Array)
            : o.data;
        const classes = classAxis(r.dims);
        const steps = sequenceSteps(r.dims);
        (acc[key]![name] ??= new MetricAccumulator()).add(r.data as Float32Array, data, classes, steps);
        if (opts.firstSamples !== undefined && i < opts.firstSamples)
          ((firstAcc[key] ??= {})[name] ??= new MetricAccumulator()).add(
            r.data as Float32Array,
            data,
            classes,
            steps,
          );
      }
      const label = opts.labels?.[i];
      if (key === opts.labelled && label !== undefined && ref[first] && out[first])
        scoreLabels(hits, label, ref[first].toFloat32(), out[first].data);
    }
    opts.onSample?.(++i, source.count);
  }
  const results = (a: typeof acc) =>
    Object.fromEntries(
      Object.entries(a).map(([key, outputs]) => [
        key,
        Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.result()])),
      ]),
    );
  const metrics = results(acc);
  const accuracy = hits.n
    ? {
        samples: hits.n,
        of: opts.labelled,
        top1Float: hits.f1 / hits.n,
        top1Quant: hits.q1 / hits.n,
        top5Float: hits.f5 / hits.n,
        top5Quant: hits.q5 / hits.n,
      }
    : undefined;
  const referenceRms: Record<string, number> = {};
  for (const outputs of Object.values(acc))
    for (const [k, v] of Object.entries(outputs)) referenceRms[k] ??= v.referenceRms();
  return opts.firstSamples === undefined
    ? { metrics, accuracy, referenceRms }
    : { metrics, accuracy, referenceRms, first: results(firstAcc) };
}

function scoreLabels(
  h: { n: number; f1: number; q1: number; f5: number; q5: number },
  label: number,
  f: Float32Array,
  q: Float32Array,
): void {
  const rank = (a: Float32Array) => Array.from(a.keys()).sort((x, y) => a[y]! - a[x]!);
  const rf = rank(f);
  const rq = rank(q);
  h.n++;
  if (rf[0] === label) h.f1++;
  if (rq[0] === label) h.q1++;
  if (rf.slice(0, 5).includes(label)) h.f5++;
  if (rq.slice(0, 5).includes(label)) h.q5++;
}

/** Float tensor name -> the DequantizeLinear output that carries its int8 twin in the QDQ graph. */
export function quantizedTwins(qdq: Graph): Map<string, string> {
  const outputs = new Set(qdq.outputs.map((o) => o.name));
  const producer = new Map(qdq.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const twins = new Map<string, string>();
  for (const dq of qdq.nodes) {
    if (dq.opType !== 'DequantizeLinear') continue;
    const qn = producer.get(dq.inputs[0]!);
    if (qn?.opType !== 'QuantizeLinear') continue;
    const out = dq.outputs[0]!;
    twins.set(outputs.has(out) ? out : qn.inputs[0]!, out);
  }
  return twins;
}

/** Per-layer SQNR of a sample set is taken as settled once one more sample moves no layer by this much. */
const SETTLED_DB = 0.1;

/** Whether one more sample moved no layer's SQNR by SETTLED_DB or more. */
export function layersSettled(previous: readonly number[], current: readonly number[]): boolean {
  return previous.every((v, i) => v === current[i] || Math.abs(v - current[i]!) < SETTLED_DB);
}

/**
 * The float tensors per-layer errors probe (every quantized one with a twin in `qdq`, except a Conv/Gemm
 * output read only by its fused ReLU/ReLU6, which carries the activation's range: its negative part is
 * meant to be cut, so the activation's output is the layer's result), their twins and the ops computing them.
 */
export function probedLayers(
  floatModel: Model,
  qdq: Graph,
): { names: string[]; twins: Map<string, string>; opOf: Map<string, string> } {
  const twins = quantizedTwins(qdq);
  const opOf = new Map(floatModel.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
  const readers = indexGraph(floatModel.graph).consumers;
  const fusedInto = (t: string) => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && isFusableActivation(r[0]!, floatModel.graph) && twins.has(r[0]!.outputs[0]!);
  };
  return { names: [...twins.keys()].filter((t) => opOf.has(t) && !fusedInto(t)), twins, opOf };
}

/**
 * Every quantized tensor against its float twin (SQNR, worst first), from sessions on copies of both
 * graphs with those tensors made outputs. At most `samples` samples, fewer when the figures settle: after
 * the second sample, it stops as soon as one more sample changed no layer's SQNR by SETTLED_DB or more.
 * SQNR pools signal and noise power over all elements seen, so for layers of many elements one sample
 * already nearly fixes it; small tensors (a classifier's logits) take the full count.
 */
export async function layerErrors(
  floatModel: Model,
  quantModel: Model,
  source: SampleSource,
  samples: number,
  signal?: AbortSignal,
): Promise<LayerError[]> {
  const { names, twins, opOf } = probedLayers(floatModel, quantModel.graph);
  if (names.length === 0 || samples <= 0) return [];
  const quantNames = names.map((n) => twins.get(n)!);
  const f = await probe(floatModel, names, 'all');
  const q = await probe(quantModel, quantNames, 'basic');
  const acc = new Map(names.map((n) => [n, new MetricAccumulator()]));
  let previous: number[] | undefined;
  let seen = 0;
  try {
    for await (const feeds of source.samples()) {
      if (seen++ >= samples) break;
      signal?.throwIfAborted();
      const a = await f.run(feeds as Feeds, names);
      const b = await q.run(feeds as Feeds, quantNames);
      for (const n of names) acc.get(n)!.add(a[n]!.toFloat32(), b[twins.get(n)!]!.toFloat32());
      const current = names.map((n) => acc.get(n)!.result().sqnrDb);
      if (previous && layersSettled(previous, current)) break;
      previous = current;
    }
  } finally {
    await f.close();
    await q.close();
  }
  return names
    .map((n) => ({ tensor: n, op: opOf.get(n)!, sqnrDb: acc.get(n)!.result().sqnrDb }))
    .sort((x, y) => x.sqnrDb - y.sqnrDb);
}

/**
 * A session on a copy of the model with `names` made outputs. The QDQ graph runs at 'basic', unfused, as
 * ortCandidates' exact one; the float graph at 'all', as the reference does (PP-OCRv4 det with 185 probed
 * tensors: 48 ms per sample against 59 at 'basic'; the figures differ by float rounding, 1e-7 relative).
 */
async function probe(model: Model, names: string[], level: 'basic' | 'all'): Promise<OrtSession> {
  const g = model.graph.clone();
  const have = new Set(g.outputs.map((o) => o.name));
  for (const n of names) if (!have.has(n)) g.outputs.push({ name: n });
  return createModelSession({ ...model, graph: g }, { graphOptimizationLevel: level });
}
