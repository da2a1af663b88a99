import { indexGraph, type Graph, type Model } from '../ir/graph.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { int8KernelsMaySaturate } from '../runtime/cpu.js';
import { createOrtSession, ortBackend, type OrtSession } from '../runtime/ort.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { MetricAccumulator, type OutputMetrics } from './metrics.js';

export interface LayerError {
  tensor: string;
  op: string;
  sqnrDb: number;
}

export interface Accuracy {
  samples: number;
  top1Float: number;
  top1Quant: number;
  top5Float: number;
  top5Quant: number;
}

export interface Evaluation {
  /** The .onnx file's outputs computed with exact integer arithmetic (see evaluateOnnx). */
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
  /** Samples used for the per-layer comparison (it runs models with every tensor as an output). */
  layerSamples?: number;
  signal?: AbortSignal;
  onSample?: (done: number, total: number) => void;
}

/**
 * Runs the float model and the quantized .onnx file side by side in ONNX Runtime over the samples and
 * measures per output how far the quantized outputs are from the float ones; then compares every
 * quantized tensor with its float twin (per-layer SQNR, worst first) on the first few samples.
 */
export async function evaluateOnnx(
  floatModel: Model,
  quantFile: string,
  quantModel: Model,
  source: SampleSource,
  opts: EvalOptions = {},
): Promise<Evaluation> {
  const f = await createOrtSession(exportOnnx(floatModel).bytes);
  // The figures describe the file, not this machine: ORT at the 'basic' level leaves the QDQ graph
  // unfused (DequantizeLinear -> float op -> QuantizeLinear), which computes what exact integer kernels
  // compute (ARM, VNNI x86, LiteRT, NPUs) up to float rounding. ORT's fused int8 kernels on x86 without
  // VNNI saturate int16 pair sums; where that applies they run too, and the pipeline warns when they
  // differ.
  const q = await createOrtSession(quantFile, { graphOptimizationLevel: 'basic' });
  const native =
    (await ortBackend()) === 'node' && int8KernelsMaySaturate()
      ? await createOrtSession(quantFile)
      : undefined;
  const acc: Record<string, MetricAccumulator> = {};
  const nativeAcc: Record<string, MetricAccumulator> = {};
  const hits = { n: 0, f1: 0, q1: 0, f5: 0, q5: 0 };
  let i = 0;
  try {
    for await (const feeds of source.samples()) {
      opts.signal?.throwIfAborted();
      const a = await f.run(feeds);
      const b = await q.run(feeds);
      for (const [name, ref] of Object.entries(a)) {
        if (ref.dtype !== 'float32' || !b[name]) continue;
        const classes = ref.dims.length === 2 ? ref.dims[1] : undefined;
        (acc[name] ??= new MetricAccumulator()).add(ref.data as Float32Array, b[name].toFloat32(), classes);
      }
      if (native) {
        const c = await native.run(feeds);
        for (const [name, ref] of Object.entries(a)) {
          if (ref.dtype !== 'float32' || !c[name]) continue;
          const classes = ref.dims.length === 2 ? ref.dims[1] : undefined;
          (nativeAcc[name] ??= new MetricAccumulator()).add(
            ref.data as Float32Array,
            c[name].toFloat32(),
            classes,
          );
        }
      }
      const label = opts.labels?.[i];
      if (label !== undefined)
        scoreLabels(hits, label, a[f.outputNames[0]!]!.toFloat32(), b[f.outputNames[0]!]!.toFloat32());
      opts.onSample?.(++i, source.count);
    }
  } finally {
    await f.close();
    await q.close();
    await native?.close();
  }
  const layers = await layerErrors(floatModel, quantModel, source, opts.layerSamples ?? 4, opts.signal);
  const metrics = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.result()]));
  const accuracy = hits.n
    ? {
        samples: hits.n,
        top1Float: hits.f1 / hits.n,
        top1Quant: hits.q1 / hits.n,
        top5Float: hits.f5 / hits.n,
        top5Quant: hits.q5 / hits.n,
      }
    : undefined;
  const nativeKernels = native
    ? Object.fromEntries(Object.entries(nativeAcc).map(([k, v]) => [k, v.result()]))
    : undefined;
  return { metrics, layers, accuracy, ...(nativeKernels && { nativeKernels }) };
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

async function layerErrors(
  floatModel: Model,
  quantModel: Model,
  source: SampleSource,
  samples: number,
  signal?: AbortSignal,
): Promise<LayerError[]> {
  const twins = quantizedTwins(quantModel.graph);
  const opOf = new Map(floatModel.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
  // A Conv/Gemm output read only by its fused ReLU/ReLU6 carries the activation's range, so its
  // negative part is meant to be cut: the activation's output is the layer's result, not this tensor.
  const readers = indexGraph(floatModel.graph).consumers;
  const fusedInto = (t: string) => {
    const r = readers.get(t) ?? [];
    return (
      r.length === 1 && (r[0]!.opType === 'Relu' || r[0]!.opType === 'Clip') && twins.has(r[0]!.outputs[0]!)
    );
  };
  const names = [...twins.keys()].filter((t) => opOf.has(t) && !fusedInto(t));
  if (names.length === 0 || samples <= 0) return [];
  const f = await probe(floatModel, names);
  const q = await probe(
    quantModel,
    names.map((n) => twins.get(n)!),
  );
  const acc = new Map(names.map((n) => [n, new MetricAccumulator()]));
  let seen = 0;
  try {
    for await (const feeds of source.samples()) {
      if (seen++ >= samples) break;
      signal?.throwIfAborted();
      const a = await f.run(feeds as Feeds, names);
      const b = await q.run(
        feeds as Feeds,
        names.map((n) => twins.get(n)!),
      );
      for (const n of names) acc.get(n)!.add(a[n]!.toFloat32(), b[twins.get(n)!]!.toFloat32());
    }
  } finally {
    await f.close();
    await q.close();
  }
  return names
    .map((n) => ({ tensor: n, op: opOf.get(n)!, sqnrDb: acc.get(n)!.result().sqnrDb }))
    .sort((x, y) => x.sqnrDb - y.sqnrDb);
}

/** A session on a copy of the model with `names` made outputs. */
async function probe(model: Model, names: string[]): Promise<OrtSession> {
  const g = model.graph.clone();
  const have = new Set(g.outputs.map((o) => o.name));
  for (const n of names) if (!have.has(n)) g.outputs.push({ name: n });
  return createOrtSession(exportOnnx({ ...model, graph: g }).bytes, { graphOptimizationLevel: 'basic' });
}
