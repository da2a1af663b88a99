import { subgraphsOf, type Graph, type Model } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { fixedInputs } from '../ir/shapes.js';
import { getOp } from '../ops/index.js';
import { RESULT_PATH_BUILTINS } from '../tflite/ops/index.js';
import { createModelSession } from '../runtime/ort-model.js';
import { tfliteProbe } from './tflite/calibrate.js';
import { calibrateReduced } from './calibrate-reduced.js';
import {
  ChannelMaxObserver,
  GrowingHistogramObserver,
  HistogramObserver,
  observedRange,
  rangeObserver,
  type CalibMethod,
  type Range,
  type RangeObserver,
} from './observers.js';

export type Feeds = Record<string, Tensor>;

/** Calibration or evaluation samples, readable more than once (calibration and evaluation each read them). */
export interface SampleSource {
  readonly count: number;
  /** 'data' when read from the user's files, 'synthetic' when drawn by the tool. */
  readonly kind: 'data' | 'synthetic';
  /**
   * The shape of each input in every sample, where the source guarantees one (planData's sources: the
   * shapes every written file takes). Sessions over such samples are opened at these shapes
   * (`atSampleShapes`).
   */
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
  samples(): AsyncIterable<Feeds>;
}

export interface CalibrationOptions {
  method: CalibMethod;
  percentile: number;
  onSample?: (pass: number, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Tensors (among those calibrated) whose per-channel maxima are gathered too. */
  channelMaxima?: string[];
  /**
   * The tensors whose `histograms` the caller reads (pow2 exponents by error): every one (true), those
   * named, or none. They are observed in full in JS; minmax and percentile may reduce the others in ONNX
   * Runtime (calibrate-reduced.ts).
   */
  histograms?: boolean | readonly string[];
  /**
   * minmax and percentile: reduce large tensors inside ONNX Runtime (calibrate-reduced.ts) whatever the
   * model's size (true), never (false), or where the maps are large enough to pay (undefined).
   */
  reduction?: boolean;
  /**
   * Values fetched whole (the tensors observed in JS) per ONNX Runtime run, past which the reduced
   * calibration runs the model in segments (calibrate-reduced.ts FETCH_BUDGET, its default).
   */
  fetchBudget?: number;
  /**
   * Values of `model` that are no calibrated tensors, handed to `observe` after each sample's run: another
   * measurement on the float model (bias correction's twins, bias-shift.ts `shiftTwins`) riding on this
   * pass instead of running the model over the samples again. Their nodes are in `model`; they change no
   * range (each calibrated tensor is computed as without them).
   */
  alongside?: Alongside;
}

export interface Alongside {
  outputs: readonly string[];
  /** Inputs of its own that `model` takes beside sample `index` (from 0), if any. */
  feeds?(index: number, sample: Feeds): Feeds;
  observe(name: string, data: Float32Array, dims: readonly number[]): void;
}

export interface CalibrationStats {
  ranges: Map<string, Range>;
  /** Per-channel maxima (axis 1) of the tensors named in `channelMaxima`. */
  maxima: Map<string, Float64Array>;
  /**
   * Histograms of |x| of the tensors calibrated by a histogram method, except result tensors (which keep
   * their min/max): pow2 picks exponents by error on them. When `histograms` names tensors, only theirs.
   */
  histograms: Map<string, HistogramObserver>;
}

/**
 * Runs the float model (ONNX Runtime, or LiteRT for a TFLite-domain model) with every tensor in `tensors` made an extra output, streaming once
 * over the samples, and turns the observed statistics into a range per tensor. Histogram methods fill
 * histograms whose range grows with the values seen (GrowingHistogramObserver), so one pass suffices.
 */
export async function calibrate(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<Map<string, Range>> {
  return (await calibrateStats(model, tensors, source, opts)).ranges;
}

/**
 * `calibrate`, with per-channel maxima of the tensors named in `opts` gathered in the same pass.
 * An ONNX-semantics model runs in ONNX Runtime, a TFLite-domain one in LiteRT (channels last).
 */
export async function calibrateStats(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<CalibrationStats> {
  const reducible =
    model.format !== 'tflite' &&
    opts.reduction !== false &&
    (opts.method === 'minmax' || (opts.method === 'percentile' && opts.histograms !== true)) &&
    !opts.channelMaxima?.length;
  return reducible
    ? calibrateReduced(model, tensors, source, opts)
    : calibrateFull(model, tensors, source, opts);
}

/**
 * Every tensor in `tensors` made an extra output and observed in JS: the histogram methods that read the
 * whole histogram (mse, entropy, pow2's exponents by error) and the tensors too small to reduce.
 */
export async function calibrateFull(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<CalibrationStats> {
  const along = new Set(opts.alongside?.outputs);
  const probe = await floatProbe(atSampleShapes(model, source), [...tensors, ...along]);
  const last = model.format === 'tflite';
  try {
    const observers = new Map(tensors.map((t) => [t, rangeObserver(opts.method)]));
    const maxObservers = new Map((opts.channelMaxima ?? []).map((t) => [t, new ChannelMaxObserver(last)]));
    const each = (name: string, data: Float32Array, dims: readonly number[]) => {
      observers.get(name)?.observe(data);
      maxObservers.get(name)?.observe(data, dims);
    };
    let done = 0;
    for await (const feeds of source.samples()) {
      opts.signal?.throwIfAborted();
      for (const name of tensors)
        if (probe.inputs.has(name) && feeds[name]?.dtype === 'float32')
          each(name, feeds[name].toFloat32(), feeds[name].dims);
      const fed = opts.alongside?.feeds ? { ...feeds, ...opts.alongside.feeds(done, feeds) } : feeds;
      for (const [name, data, dims] of await probe.run(fed))
        if (along.has(name)) opts.alongside!.observe(name, data, dims);
        else each(name, data, dims);
      // Counted whether or not anyone is told (the alongside feeds read the index).
      done++;
      opts.onSample?.(1, done, source.count);
    }
    const ranges = calibratedRanges(model.graph, observers, opts);
    const maxima = new Map([...maxObservers].map(([k, o]) => [k, o.result()]));
    return { ranges, maxima, histograms: histograms(model.graph, observers, opts.histograms) };
  } finally {
    await probe.close();
  }
}

/**
 * An ONNX-semantics model with its inputs declared at the shapes every sample of `source` has (where the
 * source says so): ONNX Runtime then plans the session for those shapes, not symbolic ones. Every value
 * computed is the same (the samples have those shapes whatever the graph declares); what changes is
 * the cost of opening the session: PP-OCRv4 rec pow2 (batch and width declared dynamic) at 1x3x48x320,
 * 0.137 s CPU against 0.177 (mean of 6, loaded machine); its runs cost the same.
 */
export function atSampleShapes(model: Model, source: SampleSource): Model {
  if (model.format === 'tflite' || !source.shapes?.size) return model;
  // Not for control flow: at fixed shapes ONNX Runtime infers every If branch when it loads, including
  // one no sample takes, and refuses the model where that branch cannot run at them (Silero VAD's 8 kHz
  // LSTM branch at a 512-sample window: "First input tensor must have rank 3").
  if (model.graph.nodes.some((n) => subgraphsOf(n).length > 0)) return model;
  const g = model.graph.clone();
  g.inputs = fixedInputs(g.inputs, source.shapes);
  return { ...model, graph: g };
}

/** The float model run with extra outputs: the inputs it reads, and each run's float results. */
export interface Probe {
  inputs: Set<string>;
  run(feeds: Feeds): Promise<[name: string, data: Float32Array, dims: readonly number[]][]>;
  close(): Promise<void> | void;
}

/** The float model in its runtime (LiteRT for a TFLite-domain model, else ONNX Runtime) with `tensors` as extra outputs. */
export function floatProbe(model: Model, tensors: string[]): Promise<Probe> {
  return model.format === 'tflite' ? tfliteProbe(model, tensors) : ortProbe(model, tensors);
}

/** The model in ONNX Runtime with every tensor in `tensors` made an extra output. */
async function ortProbe(model: Model, tensors: string[]): Promise<Probe> {
  const g = model.graph.clone();
  const existing = new Set(g.outputs.map((o) => o.name));
  for (const name of tensors) if (!existing.has(name)) g.outputs.push({ name });
  const session = await createModelSession({ ...model, graph: g });
  const outputs = tensors.filter((t) => session.outputNames.includes(t));
  return {
    inputs: new Set(session.inputNames),
    async run(feeds) {
      const result = await session.run(feeds, outputs);
      return Object.entries(result).flatMap(([name, t]) =>
        t.dtype === 'float32' ? [[name, t.data as Float32Array, t.dims] as const] : [],
      );
    },
    close: () => session.close(),
  };
}

/** The range of each observed tensor: by `opts.method`, except for result tensors (see resultTensors). */
export function calibratedRanges(
  g: Graph,
  observers: Map<string, RangeObserver>,
  opts: Pick<CalibrationOptions, 'method' | 'percentile'>,
): Map<string, Range> {
  const results = resultTensors(g);
  return new Map(
    [...observers].map(([name, o]) => [
      name,
      results.has(name) ? resultRange(o.range()) : observedRange(o, opts.method, opts.percentile),
    ]),
  );
}

/** The histograms of the observed tensors but result tensors; of those in `only` when it is a list. */
export function histograms(
  g: Graph,
  observers: Map<string, RangeObserver>,
  only?: boolean | readonly string[],
): Map<string, HistogramObserver> {
  const results = resultTensors(g);
  const wanted = Array.isArray(only) ? new Set(only) : undefined;
  const out = new Map<string, HistogramObserver>();
  for (const [name, o] of observers)
    if (o instanceof GrowingHistogramObserver && !results.has(name) && (wanted?.has(name) ?? true))
      out.set(name, o.histogram());
  return out;
}

/**
 * The model's outputs and the tensors they are a squashed or reshaped view of (a classifier's logits
 * before its Softmax, a detector's map before its Sigmoid). Histogram methods clip the rare extremes of
 * a tensor, which is right inside a network, where they are outliers, and wrong here, where the extremes
 * are the answer: on examples/mobilenet_v1_bn, percentile 99.99 clipped the top logits of the most
 * confident samples, and affine lost 3 dB to pow2 (whose power-of-two scales leave headroom). These are
 * calibrated by min/max whatever the method, widened by MARGIN.
 */
export function resultTensors(g: Graph): Set<string> {
  const result = new Set(g.outputs.map((o) => o.name));
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const queue = [...result];
  while (queue.length) {
    const node = producer.get(queue.pop()!);
    if (!node) continue;
    // A builtin says so in its file (keepsExtremes), an ONNX op on its descriptor (resultView).
    const tflite = node.domain === 'tflite';
    if (!(tflite ? RESULT_PATH_BUILTINS.has(node.opType) : getOp(node.opType, node.domain)?.resultView))
      continue;
    const input = node.inputs[0];
    if (input && !result.has(input)) {
      result.add(input);
      queue.push(input);
    }
  }
  return result;
}

/**
 * Headroom for result tensors: an unseen input's top logit often lies past the calibration set's (with
 * 36 calibration images, one of 12 held-out mobilenet samples had logits at 16.1 against a calibrated
 * 15.0, and lost 20 dB to the clip). An eighth of the range each side costs 1 dB in-sample (affine
 * mobilenet 28.2 -> 27.1) and gained 11 dB held-out (14.6 -> 26.0); pow2 kept its figures.
 */
const MARGIN = 1 / 8;

/** The range of a result tensor (see resultTensors) from its min/max. */
export function resultRange(r: Range): Range {
  return widened(r, MARGIN);
}

function widened(r: Range, margin: number): Range {
  const w = (r.max - r.min) * margin;
  return { min: r.min < 0 ? r.min - w : r.min, max: r.max > 0 ? r.max + w : r.max };
}
