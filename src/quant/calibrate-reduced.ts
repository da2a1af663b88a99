import type { Model } from '../ir/graph.js';
import { inferTypes } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { opsetVersion, topoSort } from '../ir/graph.js';
import { createModelSession } from '../runtime/ort-model.js';
import { reducedCalibrationModel, type ReducedOutputs, type ReducedTensor } from './calib-graph.js';
import {
  calibrateFull,
  calibratedRanges,
  resultRange,
  resultTensors,
  type CalibrationOptions,
  type CalibrationStats,
  type Feeds,
  type SampleSource,
} from './calibrate.js';
import { elementTypes } from './dtypes.js';
import { MinMaxObserver, rangeObserver, type Range } from './observers.js';
import { TopHistogramObserver } from './top-histogram.js';

/**
 * Below this many elements a tensor is made a plain output and observed in JS: its reduction nodes
 * (about twenty) would cost ONNX Runtime more per run than copying it out.
 */
const MIN_REDUCED = 16384;

/**
 * Below this many values per sample in the tensors that would be reduced, the whole model is observed as
 * calibrateFull does: the larger graph's session creation and first run cost more than copying the maps
 * (examples/mobilenet_v1_bn: 0.5 s CPU reduced against 0.22 s for 16 samples).
 */
const MIN_TOTAL = 2_000_000;

/**
 * Values per row (a power of two dividing the size, at most this): each row whose largest magnitude passes
 * the cutoff is sent whole, so short rows send fewer values that cannot matter; very short ones make
 * ReduceMax slower (ORT 1.30: rows of 8 cost twice rows of 32).
 */
const ROW = 32;

/**
 * The pooled top (100 - p)% of a tensor's values over all samples is found among the values past each
 * sample's cutoff; the cutoff keeps CAP_MARGIN times that many values, so that the exact counts reach
 * below the percentile's bin (else the tensor is observed again in full).
 */
const CAP_MARGIN = 2;

/** The first sample, with no cutoff yet, sends this share of its rows (those of largest magnitude). */
const FIRST_SHARE = 0.02;

/**
 * Calibration with the reduction inside ONNX Runtime (calib-graph.ts) for the large float tensors, for
 * minmax and percentile: per sample only extremes and the few magnitudes that can still be among the
 * largest cross into JS. Ranges equal calibrateFull's (see TopHistogramObserver); a tensor whose
 * percentile the delivered values do not settle is observed again, in full, in a second pass (counted as
 * pass 2 in onSample). The small ones and graph inputs are observed as calibrateFull does. Channel
 * statistics are not gathered here (calibrateStats sends those calls to calibrateFull).
 */
export async function calibrateReduced(
  model: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<CalibrationStats> {
  const it = source.samples()[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return calibrateFull(model, tensors, source, opts);
  const { reduced, direct, values } = splitTensors(model, tensors, first.value);
  if (values < (opts.reduction ? 1 : MIN_TOTAL)) return calibrateFull(model, tensors, source, opts);
  const percentile = opts.method === 'percentile';
  const calib = reducedCalibrationModel(model, reduced, percentile, direct);
  // Compress makes the shapes vary per sample: ORT's memory pattern would only plan (and fault in) a
  // second arena on the second run.
  const session = await createModelSession(calib.model, { enableMemPattern: false });
  const directObservers = new Map(direct.map((t) => [t, rangeObserver(opts.method)]));
  const observers = reduced.map(() => (percentile ? new TopHistogramObserver() : new MinMaxObserver()));
  const share = (CAP_MARGIN * (100 - opts.percentile) * source.count) / 100;
  const cutoffs = reduced.map(() => -1);
  const runtimeInputs = new Set(model.graph.runtimeInputs().map((v) => v.name));
  try {
    let done = 0;
    for (let next: IteratorResult<Feeds> = first; !next.done; next = await it.next()) {
      opts.signal?.throwIfAborted();
      const feeds = next.value;
      for (const name of direct)
        if (runtimeInputs.has(name) && feeds[name])
          directObservers.get(name)!.observe(feeds[name].toFloat32());
      const run = { ...feeds, ...cutoffFeeds(calib.outputs, reduced, cutoffs, done === 0) };
      const result = await session.run(run);
      for (const name of direct) {
        const t = result[name];
        if (t?.dtype === 'float32') directObservers.get(name)!.observe(t.data as Float32Array);
      }
      observeReduced(calib.outputs, result, observers, cutoffs, share);
      opts.onSample?.(1, ++done, source.count);
    }
  } finally {
    await session.close();
  }
  const ranges = calibratedRanges(model.graph, directObservers, opts);
  const results = resultTensors(model.graph);
  const failed: string[] = [];
  reduced.forEach(({ name }, i) => {
    const o = observers[i]!;
    const r: Range | undefined = results.has(name)
      ? resultRange(o.range())
      : o instanceof TopHistogramObserver
        ? o.percentileRange(opts.percentile)
        : o.range();
    if (r) ranges.set(name, r);
    else failed.push(name);
  });
  const stats: CalibrationStats = { ranges, means: new Map(), maxima: new Map(), histograms: new Map() };
  if (failed.length) {
    const onSample = opts.onSample && ((_: number, d: number, t: number) => opts.onSample!(2, d, t));
    const again = await calibrateFull(model, failed, source, { ...opts, onSample });
    for (const [k, v] of again.ranges) ranges.set(k, v);
  }
  return stats;
}

/**
 * Per tensor: the cutoff; on the first sample, the rank of the row magnitude that cuts instead
 * (FIRST_SHARE of the rows; computed in the graph where the row count is not known here).
 */
function cutoffFeeds(
  out: ReducedOutputs,
  reduced: ReducedTensor[],
  cutoffs: number[],
  first: boolean,
): Feeds {
  const run: Feeds = {};
  out.feeds?.forEach((f, i) => {
    const rows = first ? reduced[i]!.rows : undefined;
    const k = rows === undefined ? 1 : Math.max(1, Math.ceil(rows * FIRST_SHARE));
    run[f.cutoff] = new Tensor('float32', [1], Float32Array.of(cutoffs[i]!));
    run[f.k] = new Tensor('int64', [1], BigInt64Array.of(BigInt(k)));
    run[f.useK] = new Tensor('float32', [1], Float32Array.of(first ? 1 : 0));
  });
  // Rows of unknown count take FIRST_SHARE of theirs in the graph (calib-graph.ts shareOfRows).
  if (out.share) run[out.share] = new Tensor('float32', [1], Float32Array.of(first ? FIRST_SHARE : 0));
  return run;
}

/** One sample's reduced outputs into the observers; the next sample's cutoffs. */
function observeReduced(
  out: ReducedOutputs,
  result: Record<string, Tensor>,
  observers: (TopHistogramObserver | MinMaxObserver)[],
  cutoffs: number[],
  share: number,
): void {
  const stats = result[out.stats]!.data as Float64Array;
  const w = out.width;
  if (!out.values) {
    observers.forEach((o, i) => {
      const m = o as MinMaxObserver;
      if (stats[i * w]! < m.min) m.min = stats[i * w]!;
      if (stats[i * w + 1]! > m.max) m.max = stats[i * w + 1]!;
      m.count++;
    });
    return;
  }
  const values = result[out.values]!.data as Float32Array;
  let at = 0;
  observers.forEach((o, i) => {
    const [min, max, cut, count, size] = stats.subarray(i * w, i * w + w);
    const sent = values.subarray(at, (at += count!));
    const h = o as TopHistogramObserver;
    h.observeTop(min!, max!, size!, sent, cut!);
    cutoffs[i] = h.cutoff(Math.ceil(size! * share) + 1);
  });
}

/**
 * Which tensors are reduced in the graph: float32 values the graph computes, of known rank and not known
 * to be small (shapes inferred at the first sample's input shapes).
 */
function splitTensors(
  model: Model,
  tensors: string[],
  feeds: Feeds,
): { reduced: ReducedTensor[]; direct: string[]; values: number } {
  const g = model.graph.clone();
  g.inputs = g.inputs.map((v) => {
    const f = feeds[v.name];
    return f && v.type?.kind === 'tensor' ? { ...v, type: { ...v.type, shape: [...f.dims] } } : v;
  });
  const shapes = inferTypes(g, { opset: opsetVersion(model) });
  const dtypes = elementTypes(model.graph);
  const inputs = new Set(model.graph.runtimeInputs().map((v) => v.name));
  const reduced: ReducedTensor[] = [];
  const direct: string[] = [];
  let values = 0;
  // In the order the graph computes them (see reducedCalibrationModel).
  const order = new Map(topoSort(model.graph).flatMap((n, i) => n.outputs.map((o) => [o, i] as const)));
  const sorted = [...new Set(tensors)].sort((x, y) => (order.get(x) ?? -1) - (order.get(y) ?? -1));
  for (const name of sorted) {
    const t = shapes.get(name);
    const dims = t?.kind === 'tensor' ? t.shape : undefined;
    const known = dims?.every((d) => typeof d === 'number') ? (dims as number[]) : undefined;
    const size = known?.reduce((a, b) => a * b, 1);
    const ok =
      !inputs.has(name) &&
      (dtypes.get(name) ?? 'float32') === 'float32' &&
      dims !== undefined &&
      dims.length >= 1 &&
      !(size !== undefined && size < MIN_REDUCED);
    if (!ok) {
      direct.push(name);
      continue;
    }
    values += size ?? MIN_TOTAL;
    if (size === undefined) {
      reduced.push({ name, axis: dims.length - 1 });
      continue;
    }
    let row = ROW;
    while (size % row !== 0) row /= 2;
    reduced.push({ name, axis: 0, row, rows: size / row });
  }
  return { reduced, direct, values };
}
