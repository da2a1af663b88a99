import type { Model } from '../ir/graph.js';
import { inferTypes } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { opsetVersion, topoSort } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import { removeDead } from '../passes/remove-dead.js';
import { createModelSession } from '../runtime/ort-model.js';
import type { OrtSession, OrtSessionOptions } from '../runtime/ort.js';
import { segmentModel, type Segment } from './calib-segments.js';
import {
  reducedCalibrationModel,
  rowCalibrationModel,
  type ReducedTensor,
  type RowGroup,
} from './calib-graph.js';
import {
  atSampleShapes,
  calibrateFull,
  calibratedRanges,
  histograms,
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
import { atLeastShare, scan, scanned, shareCutoff } from './row-cutoffs.js';

/**
 * Below this many elements a tensor is made a plain output and observed in JS: its reduction nodes
 * would cost ONNX Runtime more per run than copying it out.
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
 * the cutoff is sent whole, so short rows send fewer values that cannot matter; short ones make ReduceMax
 * and ReduceMin slower and leave more row extremes to send and scan (ORT 1.30: rows of 8 cost twice rows
 * of 32). Calibration alone at 32 samples, CPU time, 64 against 32: PP-OCRv4 det at 640x640 6.8 s against
 * 7.6 (synthetic samples) and 6.9 against 8.2 (rendered text pages), PP-OCRv4 rec ~1.6 s against ~1.8
 * (in one process, JS warm); 128 was faster still on synthetic samples but slower on the pages (more of
 * each sent row lies below the cutoff), and peak RSS was the same.
 */
const ROW = 64;

/**
 * Values per group of tensors cut off together (rowCalibrationModel): a group's maps stay alive until the
 * last of them is reduced, so this bounds what the grouping adds to ORT's memory (16 MB).
 */
const GROUP_VALUES = 4_000_000;

/**
 * Calibration with the reduction inside ONNX Runtime (calib-graph.ts) for the large float tensors, for
 * minmax and percentile: per sample only extremes and the few values that can still be among the largest
 * magnitudes cross into JS. Ranges equal calibrateFull's (see TopHistogramObserver); a tensor whose
 * percentile the delivered values do not settle is observed again, in full, in a second pass (counted as
 * pass 2 in onSample). The small ones, graph inputs and those whose histograms the caller reads are
 * observed as calibrateFull does. Channel statistics are not gathered here (calibrateStats sends those
 * calls to calibrateFull).
 */
export async function calibrateReduced(
  declared: Model,
  tensors: string[],
  source: SampleSource,
  opts: CalibrationOptions,
): Promise<CalibrationStats> {
  const model = atSampleShapes(declared, source);
  const it = source.samples()[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return calibrateFull(model, tensors, source, opts);
  const percentile = opts.method === 'percentile';
  const full = new Set(Array.isArray(opts.histograms) ? opts.histograms : []);
  const { reduced, direct, values, fetched, sizeOf } = splitTensors(
    model,
    tensors,
    first.value,
    full,
    percentile,
  );
  if (values < (opts.reduction ? 1 : MIN_TOTAL)) return calibrateFull(model, tensors, source, opts);
  const along = opts.alongside?.outputs ?? [];
  const directObservers = new Map(direct.map((t) => [t, rangeObserver(opts.method)]));
  const runtimeInputs = new Set(model.graph.runtimeInputs().map((v) => v.name));
  const budget = opts.fetchBudget ?? FETCH_BUDGET;
  const stages = await reducers(
    model,
    reduced,
    direct,
    along,
    fetched,
    budget,
    sizeOf,
    (m, r, plain, options) =>
      percentile
        ? rowReducer(m, r, plain, options, (CAP_MARGIN * (100 - opts.percentile)) / 100, source.count)
        : minMaxReducer(m, r, plain, options),
  );
  // One sample after the other, each run's outputs observed before the next run starts. Tried and
  // dropped (session 18, commit 3ff926d, reverted): starting the next run before observing the last.
  // onnxruntime-node 1.30 runs a session on the calling thread (its `run` is a promise around a
  // synchronous call made from setImmediate), so starting a run early overlaps nothing: the sessions
  // were moved to a worker thread (results handed back without a copy; ranges and written files the
  // same, cmp-equal on both examples, PaddleOCR cls, det 256 and 640 and rec, both schemes). What can
  // overlap is only the plain outputs' observation: rowReducer's cutoffs for a sample come from the
  // last sample's values, so its JS stays between two runs. Per sample (PP-OCRv4, 32 of 40 rendered
  // samples, wall, loaded 2-core machine): det 640 affine ONNX Runtime 0.35 s, rowReducer's JS 0.04 s,
  // the plain outputs (and twins) 0.002 s; det pow2 0.35 s, 0.03 s, binning the fetched maps 0.054 s;
  // rec affine 0.11 s, 0.015 s, 0.005 s. Calibration, main -> worker, median of 4 alternate runs,
  // CPU (wall): det affine 8.9 s (18.0) -> 10.0 s (20.7), det pow2 9.9 s (19.2) -> 10.7 s (19.8), rec
  // affine 4.3 s (7.4) -> 4.2 s (7.5); peak RSS of the whole run det pow2 701-874 MB -> 927-937. The
  // worker's own onnxruntime-node load and session open cost 0.4 s CPU more (det: 1.03 s against 0.59),
  // and every run's handoff between threads waits for a core on a loaded machine: no gain measured.
  try {
    let done = 0;
    for (let next: IteratorResult<Feeds> = first; !next.done; next = await it.next()) {
      opts.signal?.throwIfAborted();
      const feeds = next.value;
      for (const name of direct)
        if (runtimeInputs.has(name) && feeds[name])
          directObservers.get(name)!.observe(feeds[name].toFloat32());
      // Segments run in order, each fed what the earlier ones carry; a value no later one reads is dropped.
      let live: Feeds = opts.alongside?.feeds ? { ...feeds, ...opts.alongside.feeds(done, feeds) } : feeds;
      for (const { reducer, segment, direct: mine, along: theirs, keep } of stages) {
        const fed = stages.length === 1 ? live : pick(live, segment.inputs);
        const result = await reducer.run(fed);
        for (const name of mine) {
          const t = result[name];
          if (t?.dtype === 'float32') directObservers.get(name)!.observe(t.data as Float32Array);
        }
        for (const name of theirs) {
          const t = result[name];
          if (t?.dtype === 'float32') opts.alongside!.observe(name, t.data as Float32Array, t.dims);
        }
        if (stages.length > 1) live = pick({ ...live, ...pick(result, segment.carry) }, keep);
      }
      // Counted whether or not anyone is told (the alongside feeds read the index).
      done++;
      opts.onSample?.(1, done, source.count);
    }
  } finally {
    for (const { reducer } of stages) await reducer.session.close();
  }
  const ranges = calibratedRanges(model.graph, directObservers, opts);
  const results = resultTensors(model.graph);
  const failed: string[] = [];
  const observers = stages.flatMap(({ reducer }) => [...reducer.observers]);
  observers.forEach(([name, o]) => {
    const r: Range | undefined = results.has(name)
      ? resultRange(o.range())
      : o instanceof TopHistogramObserver
        ? o.percentileRange(opts.percentile)
        : o.range();
    if (r) ranges.set(name, r);
    else failed.push(name);
  });
  const stats: CalibrationStats = {
    ranges,
    maxima: new Map(),
    histograms: histograms(model.graph, directObservers, opts.histograms),
  };
  if (failed.length) {
    const onSample = opts.onSample && ((_: number, d: number, t: number) => opts.onSample!(2, d, t));
    // The alongside's inputs still fed (the cut model keeps every input), its outputs no longer read.
    const alongside = opts.alongside && { ...opts.alongside, outputs: [] };
    const again = await calibrateFull(upTo(model, failed), failed, source, { ...opts, onSample, alongside });
    for (const [k, v] of again.ranges) ranges.set(k, v);
  }
  return stats;
}

/**
 * The model cut down to what computes `tensors`, with no outputs of its own (calibrateFull adds them):
 * the tensors observed again are mostly early, large maps (on rendered pages at 640x640, PP-OCRv4 det's
 * first stage), whose second pass then costs a fraction of the whole model's. Not result tensors (those
 * are never observed again), so no range rule changes with the outputs.
 */
function upTo(model: Model, tensors: string[]): Model {
  const g = model.graph.clone();
  g.outputs = tensors.map((name) => ({ name }));
  const pruned = removeDead(g, { opset: opsetVersion(model) ?? 0, irVersion: model.irVersion }).graph;
  pruned.outputs = [];
  return { ...model, graph: pruned };
}

/**
 * Values per segment fetched whole (the plain outputs: pow2's exponents by error read the histograms of
 * every tensor they choose so, which ONNX Runtime cannot reduce). One session fetching them all copied
 * every map of a sample out at once, and ORT's arena, which keeps what a run frees for the next, grew by
 * all of them besides: PP-OCRv4 det at 640x640, pow2 (sum-inputs: 97 tensors, 197 MB a sample),
 * calibration alone over 32 synthetic samples peaked at 931-991 MB RSS, against 384 MB with no histograms
 * read. Past this budget the model runs as segments in the order it computes (calib-segments.ts), each
 * session fetching its own tensors and handing the values later segments read to the next: the same
 * nodes run once per sample, the maps are copied out a budget at a time. There: 560-591 MB at 64 MB a
 * segment (4 segments; CPU 13.0-14.0 s against 12.4-13.6 s uncut, on a loaded machine), 474-486 MB at
 * 32 MB (7 segments) but 15.1-15.5 s CPU. Cut where the fewest values cross (segmentModel's `size`), the
 * 4 segments hand on 8 MB a sample instead of 25: 535-553 MB. The segments run without ORT's CPU arena, whose memory each
 * session would keep for itself (7 segments with arenas: 753 MB). Fetching in groups instead would run
 * the model once per group; reducing the maps in the graph to what the histogram needs would not bin
 * them as the JS histogram does (float64 |x| * scale over a range that grows with the samples).
 *
 * Where a sample's time goes (PP-OCRv4 det 640 pow2, rendered pages, CPU; session 16, loaded machine):
 * ORT's float pass about 0.12 s; the maps fetched about 0.1 s more (onnxruntime-node 1.30 copies every
 * output into a new ArrayBuffer: zero-fill, copy and page faults, 0.45 ns a byte on a graph of Neg/Relu
 * outputs of 210 MB, against 0.05 for reducing them in the graph instead), freeing those copies (GC)
 * about 0.05 s, the sessions without an arena about 0.04 s (malloc's page faults; with arenas the 4
 * sessions held 826 MB against 608 at 16 pages), binning about 0.05 s (binMagnitudes), the reductions of
 * the other tensors the rest. Anything computed per value in the graph costs a pass of about 0.25 ns a
 * byte per elementwise op (an exact bin index takes three or more, as many as the copy saves), and ONNX
 * has no op that counts values into bins (ScatterElements' add would need int64 indices per value); so
 * the maps cross whole, once each.
 */
const FETCH_BUDGET = (64 * 2 ** 20) / 4;

/** A segment (the whole model when uncut) with its reducing session and the plain outputs it observes. */
interface Stage {
  segment: Segment;
  reducer: Reducer;
  direct: string[];
  along: string[];
  /** Values later segments read, kept after this one ran. */
  keep: Set<string>;
}

async function reducers(
  model: Model,
  reduced: ReducedTensor[],
  direct: string[],
  along: readonly string[],
  fetched: Map<string, number>,
  budget: number,
  sizeOf: (name: string) => number,
  make: (m: Model, r: ReducedTensor[], plain: string[], options: OrtSessionOptions) => Promise<Reducer>,
): Promise<Stage[]> {
  const total = [...fetched.values()].reduce((a, b) => a + b, 0);
  const segments = segmentModel(
    model,
    (name) => fetched.get(name) ?? 0,
    total > budget ? budget : Infinity,
    sizeOf,
  );
  if (segments.length === 1) {
    const reducer = await make(model, reduced, [...direct, ...along], {});
    return [{ segment: segments[0]!, reducer, direct, along: [...along], keep: new Set() }];
  }
  const stages: Stage[] = [];
  try {
    for (const [i, segment] of segments.entries()) {
      const of = (names: readonly string[]) => names.filter((n) => segment.computes.has(n));
      const mine = of(direct);
      const theirs = of(along);
      const r = reduced.filter((t) => segment.computes.has(t.name));
      const plain = [...new Set([...mine, ...theirs, ...segment.carry])];
      const options = { enableCpuMemArena: false };
      const reducer = r.length
        ? await make(segment.model, r, plain, options)
        : await plainReducer(segment.model, plain, options);
      const keep = new Set(segments.slice(i + 1).flatMap((s) => s.inputs));
      stages.push({ segment, reducer, direct: mine, along: theirs, keep });
    }
  } catch (e) {
    for (const { reducer } of stages) await reducer.session.close();
    throw e;
  }
  return stages;
}

/** A segment with nothing to reduce: its plain outputs only. */
async function plainReducer(model: Model, plain: string[], options: OrtSessionOptions): Promise<Reducer> {
  const g = model.graph.clone();
  g.outputs = plain.map((name) => ({ name }));
  const session = await createModelSession({ ...model, graph: g }, options);
  return { session, observers: new Map(), run: (feeds) => session.run(feeds) };
}

function pick<T>(values: Record<string, T>, names: Iterable<string>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const name of names) if (values[name] !== undefined) out[name] = values[name];
  return out;
}

/** The reducing session: each run observes the reduced tensors and returns the plain outputs. */
interface Reducer {
  session: OrtSession;
  observers: Map<string, MinMaxObserver | TopHistogramObserver>;
  run(feeds: Feeds): Promise<Record<string, Tensor>>;
}

/** minmax: each tensor's min and max computed in the graph (reducedCalibrationModel). */
async function minMaxReducer(
  model: Model,
  reduced: ReducedTensor[],
  direct: string[],
  options: OrtSessionOptions,
): Promise<Reducer> {
  const calib = reducedCalibrationModel(model, reduced, direct);
  const session = await createModelSession(calib.model, options);
  const observers = new Map(reduced.map((t) => [t.name, new MinMaxObserver()]));
  return {
    session,
    observers,
    async run(feeds) {
      const result = await session.run(feeds);
      const stats = result[calib.outputs.stats]!.data as Float64Array;
      reduced.forEach((t, i) => {
        const m = observers.get(t.name)!;
        if (stats[2 * i]! < m.min) m.min = stats[2 * i]!;
        if (stats[2 * i + 1]! > m.max) m.max = stats[2 * i + 1]!;
        m.count++;
      });
      return result;
    },
  };
}

/**
 * The pooled top (100 - p)% of a tensor's values over all samples is to be found among the values past
 * each sample's cutoff. A magnitude with at least that share of all samples' values (count * share)
 * already delivered above it lies at or below the final percentile whatever the samples to come: so each
 * cutoff keeps CAP_MARGIN times the top share of every sample (the margin for the bins the counts are
 * read from), or, while fewer values have been delivered, all of them (the lowest delivered bin: a
 * sample then sends about what the first sent, never a whole sample). Asked for the share of the values
 * seen so far instead, the cutoffs of the first samples lay above the final percentile wherever the
 * samples differ: on 16 rendered text pages at 640x640 (PP-OCRv4 det, percentile 99.99) nine tensors'
 * counts came out incomplete and every sample ran a second time for them, which synthetic samples (all
 * alike) did not show. Asked for the share of every sample to come with no cap, the first sample's
 * values were too few and the second sample was sent whole (727 MB peak RSS at 32 samples, 1,380 MB at
 * 256). Where the counts still come out incomplete (more samples than `count` said), the tensor is
 * observed again.
 */
const CAP_MARGIN = 2;

/** The first sample, with no cutoff yet, sends this share of its rows (those of largest magnitude). */
const FIRST_SHARE = 0.02;

/**
 * A cutoff lowered to keep the top share of every sample sends at most about this share of a sample's
 * rows (this sample's, as the next one's estimate), what the first sample sends: where a tensor's peaks
 * are sparse (a text page's strokes), the rows delivered hold mostly small values and the cutoff keeping
 * the wanted count fell to near zero, so that the next sample was sent nearly whole (PP-OCRv4 det at
 * 640x640, 32 synthetic samples held in memory: peak RSS 757 MB before, 919 MB so, 780 MB with this
 * bound). A tensor whose counts this leaves incomplete is observed again (none on 32 rendered pages).
 */
const MAX_SHARE = FIRST_SHARE;

/**
 * percentile: row extremes and the rows past each tensor's cutoff (rowCalibrationModel). The first
 * sample runs twice: once sending nothing, to rank its row magnitudes (the cutoff sends FIRST_SHARE of
 * them), then for its values; later samples' cutoffs keep `share` of each tensor's values over all `count`
 * samples among the values delivered (TopHistogramObserver.cutoff; see CAP_MARGIN). Every value not sent
 * is at most its row's cutoff.
 *
 * A tensor tied at its bound (RowGroup's `tie`: a HardSigmoid's 1) whose first sample holds at least
 * `share` of its values there has its cutoff fixed at the bound: no row is sent (the rows holding a 1 were
 * 45% of them on rendered pages, PP-OCRv4 det at 640x640), the 1s arrive as the graph's count, and the
 * values below stay undelivered. Its percentile is then settled where the 1s alone pass the top share of
 * all values (all 24 such maps of det there, 14% of their values at 1), which the full observer finds in
 * the same last bin; else it is observed again in full. Before, these maps were fetched whole and binned
 * in JS (14 million values a sample there).
 *
 * Where PP-OCRv4 rec's time above the floor goes (1x3x48x320, 32 synthetic samples, CPU, session 17,
 * loaded 2-core machine; floor 1.0-1.2 s of which session creation 0.15-0.2 s): 109 maps reduced (20.8
 * million values a sample), 99 small ones fetched whole. The session's creation 0.35-0.37 s (1,186
 * nodes; building the graph 4 ms); its 33 runs 1.6-2.2 s against 0.6-0.75 s for the float model alone;
 * rowReducer's JS 0.2-0.3 s; the small maps' binning 0.11-0.15 s. Of the runs' excess, fetching the 99
 * small maps costs little (float model with them as outputs: 0.76-0.78 s against 0.66-0.76); merely
 * reading the reduced maps costs the most: the float model with a Reshape and a one-value Slice on each
 * (nothing reduced) ran 1.0-1.4 s against 0.6-0.86 s, and with a whole-map ReduceMax and ReduceMin
 * added 1.2-1.75 s. A map read by any node leaves ORT's blocked layout (NCHWc: a ReorderOutput copy)
 * and its producer's fusion (Conv with its activation): 29 Conv outputs cost 0.15-0.2 s of that, the
 * 79 HardSigmoid, Mul and Add outputs 0.4-0.45 s. That cost comes from calibrating those tensors,
 * whatever reduces them. Tried and dropped: rows of 128 (no change), the memory pattern on (no
 * change beyond noise), the touch nodes off (runs slower, as walkOrder says), the tie counts off
 * (calibration 3.4-3.8 s CPU against 2.3-2.6), one intra-op thread (less CPU only while other
 * processes load the machine; on a quieter one the same CPU and more wall).
 *
 * Session 19, ONNX Runtime's own profile of the pipeline's calibration graph against the float model with
 * the same --bias_correction twins (each run alone with 32 runs, cutoffs sending nothing; kernel ms summed
 * over the runs; loaded 2-core machine). PP-OCRv4 rec 1x3x48x320: runs 1.27-1.40 s CPU against 0.68-0.76
 * (float model without twins 0.42-0.51), session creation 0.45-0.50 s against 0.27-0.29; of the kernels,
 * ReduceMax and ReduceMin 345 ms, ReorderOutput 172 against 52, the reshapes into rows 66 (no copy: per-node
 * cost), the packs' Concat 54, the tie counts (Equal, Cast, ReduceSum) 80, Compress 24. PP-OCRv4 det 640 (8
 * runs, twins on each): 377 ms a run against 231; ReorderOutput 65-89 ms a run against 12 (every calibrated
 * map leaves ORT's NCHWc layout to be read), ReduceMax and ReduceMin 28, the tie counts 19, Conv 20 more
 * (its fused activations lost). In JS per run (CPU profile of the rec pipeline): eachTensor, scan,
 * observeTop and the cutoffs 0.15 s over 32 samples, binning the small maps 0.1 s, GC 0.05 s, the graph's
 * encoding for ORT 0.13 s. So the excess is mostly passes over the maps that reading them in NCHW takes, two
 * reductions and the reorder each, which no rewriting of the reduction nodes removes. Tried and dropped (CPU
 * over 32 runs): bench/pipeline-calib-case's rec graph (no twins, 1,186 nodes) at 'basic' opens in 0.29-0.40
 * s against 0.39-0.60 but runs 1.07-1.29 s against 0.87-1.16, and det's at 'extended' runs 16 pages in
 * 3.6-3.7 s against 3.1-3.2; ReduceMin before ReduceMax (the profile showed ReduceMin at twice ReduceMax's
 * time, an effect of their order: 64 MB alone, 5.7-7.3 ms CPU each) 1.34-1.41 s against 1.33-1.38; the 99
 * small plain outputs packed into one (Flatten each, one Concat) 1.70-1.80 s against 1.59-1.81; tie counts
 * by Floor (a HardSigmoid's values lie in [0, 1]) instead of Equal and Cast: det 96 ms of kernels against
 * 125 over 8 runs (0.12 s of a 32-page calibration), and a NaN would count as NaN; preallocated outputs
 * (onnxruntime-node 1.30 fills the buffer handed in but returns a copy): no gain.
 */
async function rowReducer(
  model: Model,
  reduced: ReducedTensor[],
  direct: string[],
  options: OrtSessionOptions,
  share: number,
  count: number,
): Promise<Reducer> {
  const groups = rowGroups(reduced);
  const calib = rowCalibrationModel(model, groups, direct);
  // Compress makes the shapes vary per sample: ORT's memory pattern would only plan (and fault in) a
  // second arena on the second run.
  const session = await createModelSession(calib.model, { ...options, enableMemPattern: false });
  const observers = new Map(reduced.map((t) => [t.name, new TopHistogramObserver()]));
  // Per tensor its cutoff (a float32, as fed); the row cutoffs fed, per group, filled from them.
  const cut = new Map(reduced.map((t) => [t.name, Infinity]));
  const fed = groups.map((gr) => new Float32Array(gr.tensors.reduce((n, t) => n + t.rows, 0)));
  // `only`: the outputs fetched (all of them when undefined).
  const run = async (feeds: Feeds, only?: string[]) => {
    const all: Feeds = { ...feeds };
    groups.forEach((gr, i) => {
      let at = 0;
      for (const t of gr.tensors) fed[i]!.fill(cut.get(t.name)!, at, (at += t.rows));
      all[calib.outputs.cutoffs[i]!] = new Tensor('float32', [fed[i]!.length], fed[i]!);
    });
    const result = await session.run(all, only);
    return { result, packed: result[calib.outputs.all]!.data as Float32Array };
  };
  // Tensors whose values at their tie settle the percentile (see above): their bound, as fed.
  const tied = new Map<string, number>();
  const ties = new Map(
    groups.flatMap((gr) =>
      gr.tensors.flatMap((t) => (t.tie === undefined ? [] : [[t.name, t.tie] as const])),
    ),
  );
  let first = true;
  let seen = 0;
  return {
    session,
    observers,
    async run(feeds) {
      if (first) {
        first = false;
        // The reduced output alone: the plain outputs (pow2's histogram maps, a segment's carries) come
        // with the run below. Fetching them here too copied PP-OCRv4 det's 197 MB of maps at 640x640 out
        // of ONNX Runtime once more, for nothing.
        const { packed } = await run(feeds, [calib.outputs.all]);
        eachTensor(groups, packed, cut, (part) => {
          const tie = ties.get(part.name);
          if (tie !== undefined && part.ties! >= part.size * share) tied.set(part.name, Math.fround(tie));
          cut.set(part.name, tied.get(part.name) ?? firstCutoff(part));
        });
      }
      const { result, packed } = await run(feeds);
      seen++;
      eachTensor(groups, packed, cut, (part) => {
        const { name, size, min, max, sent } = part;
        const o = observers.get(name)!;
        const before = cut.get(name)!;
        const tie = tied.get(name);
        if (tie !== undefined) {
          // The values at the tie in rows sent anyway (past it: none where the op keeps its bound) are binned
          // with those rows; the others as a count.
          let inSent = 0;
          for (let i = 0; i < sent.length; i++) inSent += +(sent[i] === tie);
          o.observeTop(min, max, size, sent, before, { value: tie, count: part.ties! - inSent });
          return;
        }
        o.observeTop(min, max, size, sent, before);
        const wanted = Math.ceil(size * Math.max(count, seen) * share) + 1;
        const next = Math.fround(o.cutoff(Math.max(1, Math.min(wanted, o.delivered()))));
        // Lower only as far as would send MAX_SHARE of this sample's rows (see MAX_SHARE).
        cut.set(name, next >= before ? next : atLeastShare(part.rowMax, part.rowMin, next, MAX_SHARE));
      });
      return result;
    },
  };
}

/** One tensor's part of a sample's reduced output. */
interface Part {
  name: string;
  /** Element count. */
  size: number;
  min: number;
  max: number;
  rowMax: Float32Array;
  rowMin: Float32Array;
  /** The rows sent, whole. */
  sent: Float32Array;
  /** The count of values equal to the tensor's tie (RowGroup), where it has one. */
  ties?: number;
}

/**
 * Walks the reduced output (RowOutputs.all) tensor by tensor: its extremes, row maxima and minima, and
 * its values sent (the rows whose magnitude passes the tensor's cutoff in `cut`, found again here by the
 * graph's float32 comparison). The layout is checked against the output's length.
 */
function eachTensor(
  groups: RowGroup[],
  packed: Float32Array,
  cut: Map<string, number>,
  each: (part: Part) => void,
): void {
  let at = 0;
  for (const { row, tensors } of groups) {
    const count = tensors.reduce((n, t) => n + t.rows, 0);
    const maxima = packed.subarray(at, at + count);
    const minima = packed.subarray(at + count, at + 2 * count);
    at += 2 * count;
    let tieAt = at;
    at += tensors.filter((t) => t.tie !== undefined).length;
    let offset = 0;
    for (const t of tensors) {
      const rowMax = maxima.subarray(offset, offset + t.rows);
      const rowMin = minima.subarray(offset, offset + t.rows);
      offset += t.rows;
      scan(rowMax, rowMin, cut.get(t.name)!);
      const sent = packed.subarray(at, (at += scanned[2]! * row));
      const ties = t.tie === undefined ? undefined : packed[tieAt++]!;
      const size = t.rows * row;
      each({ name: t.name, size, min: scanned[0]!, max: scanned[1]!, rowMax, rowMin, sent, ties });
    }
  }
  if (at !== packed.length)
    throw new Error(`internal: reduced calibration output has ${packed.length} values, ${at} expected`);
}

/** The first sample's cutoff: the FIRST_SHARE-th largest row magnitude (that share of rows is sent). */
function firstCutoff(part: Part): number {
  return shareCutoff(part.rowMax, part.rowMin, FIRST_SHARE);
}

/** Consecutive tensors of one row width, up to GROUP_VALUES values a group (one tensor may pass it). */
function rowGroups(reduced: ReducedTensor[]): RowGroup[] {
  const groups: RowGroup[] = [];
  let values = Infinity;
  for (const t of reduced) {
    const last = groups.at(-1);
    const size = t.rows! * t.row!;
    const entry = { name: t.name, rows: t.rows!, ...(t.tie === undefined ? {} : { tie: t.tie }) };
    if (!last || last.row !== t.row || values + size > GROUP_VALUES) {
      groups.push({ row: t.row!, tensors: [entry] });
      values = size;
    } else {
      last.tensors.push(entry);
      values += size;
    }
  }
  return groups;
}

/**
 * Which tensors are reduced in the graph: float32 values the graph computes, of known rank and not known
 * to be small (shapes inferred at the first sample's input shapes), whose histograms are not read
 * (`full`); for percentile, of known size too.
 */
/** Elements past which an inferred tensor size is not believed (see splitTensors). */
const MAX_INFERRED = 2 ** 31;

/** A tie count in the graph is a float32 sum of ones: exact below this. */
const MAX_TIES = 2 ** 24;

function splitTensors(
  model: Model,
  tensors: string[],
  feeds: Feeds,
  full: Set<string>,
  percentile: boolean,
): {
  reduced: ReducedTensor[];
  direct: string[];
  values: number;
  fetched: Map<string, number>;
  sizeOf: (name: string) => number;
} {
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
  // The values each plain output (but the inputs) costs a sample to fetch, where known.
  const fetched = new Map<string, number>();
  // In the order the graph computes them (see calib-graph.ts).
  const order = new Map(topoSort(model.graph).flatMap((n, i) => n.outputs.map((o) => [o, i] as const)));
  const sorted = [...new Set(tensors)].sort((x, y) => (order.get(x) ?? -1) - (order.get(y) ?? -1));
  // percentile: outputs tied at their bound (tiesAtBound: the HardSigmoids of split HardSwishes, whose
  // top 0.01% is 1 exactly) have that bound's count computed in the graph (see rowReducer); where the
  // count could pass 2^24 (not exact in float32) or the size is not known, observed in full.
  const producer = new Map(model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const tieOf = (name: string) => {
    const n = producer.get(name);
    return percentile && n ? getOp(n.opType, n.domain)?.tiesAtBound : undefined;
  };
  for (const name of sorted) {
    const t = shapes.get(name);
    const dims = t?.kind === 'tensor' ? t.shape : undefined;
    const known = dims?.every((d) => typeof d === 'number') ? (dims as number[]) : undefined;
    const size = known?.reduce((a, b) => a * b, 1);
    const tie = tieOf(name);
    const ok =
      !inputs.has(name) &&
      !full.has(name) &&
      !(tie !== undefined && !(size !== undefined && size < MAX_TIES)) &&
      (dtypes.get(name) ?? 'float32') === 'float32' &&
      dims !== undefined &&
      dims.length >= 1 &&
      !(size !== undefined && size < MIN_REDUCED) &&
      // A size no tensor of the run can have (a damaged file's shape arithmetic, 2^32 and more) says the
      // inferred shape is not the one ONNX Runtime will compute: observed in full, whatever ORT makes of it.
      !(size !== undefined && !(size <= MAX_INFERRED)) &&
      !(percentile && size === undefined);
    if (!ok) {
      direct.push(name);
      if (!inputs.has(name) && size !== undefined) fetched.set(name, size);
      continue;
    }
    values += size ?? MIN_TOTAL;
    if (size === undefined) {
      reduced.push({ name, axis: dims.length - 1 });
      continue;
    }
    let row = ROW;
    while (size % row !== 0) row /= 2;
    reduced.push({ name, axis: 0, row, rows: size / row, ...(tie === undefined ? {} : { tie }) });
  }
  const sizeOf = (name: string) => {
    const t = shapes.get(name);
    const dims = t?.kind === 'tensor' ? t.shape : undefined;
    return dims?.every((d) => typeof d === 'number')
      ? dims.reduce((a: number, b) => a * (b as number), 1)
      : 0;
  };
  return { reduced, direct, values, fetched, sizeOf };
}
