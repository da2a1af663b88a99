import { compareOutputs, type Candidate, type Reference } from '../eval/evaluate.js';
import type { Tensor } from '../ir/tensor.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import type { KeptOp, MixedPrecisionReport, PrecisionScore } from '../report/types.js';
import {
  checkMeasurable,
  compareScores,
  dropOf,
  meets,
  SCORED,
  scoreOf,
  targetMetric,
  worstSamples,
  type PrecisionTarget,
  type Score,
} from './precision-target.js';

/**
 * Accuracy-aware mixed precision (--max_drop, --min_sqnr), after NNCF's accuracy control: measure what
 * each quantized op costs alone (the model with only that op kept in float, on the evaluation samples
 * the quantized model serves worst), then keep ops in float in that order, one at a time, until the
 * target holds on every evaluation sample; when a step does not help, rank the ops after it again
 * against the model as it now is. The search only asks for quantized models by exclude list and for a
 * way to run them, so the pipeline decides what a variant is (ONNX: the .onnx in ONNX Runtime).
 */
export interface PrecisionSearch<Q> {
  target: PrecisionTarget;
  /** --exclude as the user gave it: kept whatever the search finds. */
  baseExclude: string[];
  evaluation: SampleSource;
  labels?: number[];
  reference: Reference;
  quantize(exclude: string[]): Promise<Q>;
  /** The quantized model as its written file runs. */
  candidate(q: Q): Promise<Candidate>;
  /** The quantized ops that may be kept in float (by node name), in graph order. */
  ops(q: Q): { node: string; op: string }[];
  onProgress?: (stage: string, done?: number, total?: number) => void;
  signal?: AbortSignal;
}

export interface SearchOutcome<Q> {
  /** The model to write (the one that meets the target, or the plain one when nothing could). */
  quant: Q;
  /** The model without the search's exclusions. */
  base: Q;
  exclude: string[];
  report: MixedPrecisionReport;
  warning?: string;
}

/** The samples ops are ranked on: the worst this many (NNCF's ranking subset, kept small: each op costs a session). */
export const RANKING_SAMPLES = 8;
/** Evaluation samples the search holds in memory with their float outputs. */
export const MAX_SEARCH_SAMPLES = 200;
/** Re-rankings after steps that did not help; each re-ranks at most RERANK_WIDTH of the next ops. */
const MAX_RERANKS = 3;
const RERANK_WIDTH = 24;
/** Steps (ops kept in float one by one) before the search gives up and says so. */
const MAX_STEPS = 48;

interface Item {
  feeds: Feeds;
  ref: Record<string, Tensor>;
  label?: number;
}

export async function searchPrecision<Q>(s: PrecisionSearch<Q>): Promise<SearchOutcome<Q>> {
  const items = await loadItems(s);
  let evaluations = 0;
  const score = async (q: Q, on: Item[]): Promise<Score> => {
    s.signal?.throwIfAborted();
    evaluations++;
    const c = await s.candidate(q);
    try {
      return scoreOf(await compare(s.reference, c, on));
    } finally {
      await c.close();
    }
  };
  s.onProgress?.('mixed precision: the plain model');
  const base = await s.quantize(s.baseExclude);
  const perSample = await perSampleScores(s, base, items);
  evaluations++;
  const before = await score(base, items);
  checkMeasurable(s.target, before);
  const labelled = before.top1Float !== undefined;
  const ops = s.ops(base).filter((o) => !s.baseExclude.includes(o.node));
  const report: MixedPrecisionReport = {
    target: { ...s.target, metric: targetMetric(s.target, labelled) },
    precision: 'float',
    samples: items.length,
    rankingSamples: Math.min(RANKING_SAMPLES, items.length),
    candidates: ops.length,
    before: figures(before),
    after: figures(before),
    met: meets(s.target, before),
    kept: [],
    evaluations: 0,
    reranks: 0,
  };
  const done = (quant: Q, exclude: string[], warning?: string): SearchOutcome<Q> => {
    report.evaluations = evaluations;
    return { quant, base, exclude, report, warning };
  };
  if (report.met) return done(base, s.baseExclude);
  s.onProgress?.('mixed precision: every op in float');
  const all = await s.quantize([...s.baseExclude, ...ops.map((o) => o.node)]);
  const ceiling = await score(all, items);
  if (!meets(s.target, ceiling)) {
    report.after = figures(before);
    const why =
      `--${s.target.maxDrop !== undefined ? 'max_drop' : 'min_sqnr'}: the target (${report.target.metric}) ` +
      `is not met even with all ${ops.length} quantized ops in float (${describe(ceiling)}); the files are written without mixed precision`;
    return done(base, s.baseExclude, why);
  }
  const subset = worstSamples(s.target, perSample, RANKING_SAMPLES).map((i) => items[i]!);
  const rank = async (exclude: string[], pool: { node: string; op: string }[]) => {
    const ranked: (KeptOp & { score: Score })[] = [];
    for (const [i, o] of pool.entries()) {
      s.onProgress?.('mixed precision: ranking ops', i, pool.length);
      const sc = await score(await s.quantize([...exclude, o.node]), subset);
      ranked.push({ ...o, alone: figures(sc), score: sc });
    }
    return ranked.sort((a, b) => compareScores(s.target, a.score, b.score));
  };
  const found = await greedy(s, ops, rank, score, items, { quant: base, score: before }, report);
  report.after = figures(found.score);
  report.met = meets(s.target, found.score);
  const warning = report.met
    ? undefined
    : `--max_drop/--min_sqnr: the target (${report.target.metric}) was not reached within the search's limits; ${report.kept.length} op(s) kept in float (${describe(found.score)})`;
  return done(found.quant, found.exclude, warning);
}

type Ranker = (
  exclude: string[],
  pool: { node: string; op: string }[],
) => Promise<(KeptOp & { score: Score })[]>;

/**
 * Keeps the best-ranked op in float, step by step, until the target holds on every sample. A step that
 * leaves the model no better is undone (the op stays int8: keeping it would cost size and speed for
 * nothing) and the ops after it are ranked again against the model as it is.
 */
async function greedy<Q>(
  s: PrecisionSearch<Q>,
  ops: { node: string; op: string }[],
  rank: Ranker,
  score: (q: Q, on: Item[]) => Promise<Score>,
  items: Item[],
  start: { quant: Q; score: Score },
  report: MixedPrecisionReport,
): Promise<{ quant: Q; exclude: string[]; score: Score }> {
  let queue = await rank(s.baseExclude, ops);
  let best = { ...start, exclude: s.baseExclude };
  for (let step = 0; queue.length && step < MAX_STEPS; step++) {
    const next = queue.shift()!;
    const exclude = [...best.exclude, next.node];
    // Counted against the ops there are: the search stops at the first step that meets the target.
    s.onProgress?.('mixed precision: ops tried in float', step, ops.length);
    const quant = await s.quantize(exclude);
    const sc = await score(quant, items);
    if (compareScores(s.target, sc, best.score) < 0) {
      const { score: _, ...kept } = next;
      report.kept.push({ ...kept, after: figures(sc) });
      best = { quant, exclude, score: sc };
      if (meets(s.target, sc)) break;
      continue;
    }
    report.undone = (report.undone ?? 0) + 1;
    if (report.reranks < MAX_RERANKS && queue.length > 1) {
      // The op did not help as it did alone: the ones after it may not either, measured now.
      report.reranks++;
      const head = await rank(best.exclude, queue.slice(0, RERANK_WIDTH));
      queue = [...head, ...queue.slice(RERANK_WIDTH)];
    }
  }
  return best;
}

/** The evaluation samples (at most MAX_SEARCH_SAMPLES) with their float outputs and labels. */
async function loadItems<Q>(s: PrecisionSearch<Q>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const feeds of s.evaluation.samples()) {
    if (items.length >= MAX_SEARCH_SAMPLES) break;
    s.signal?.throwIfAborted();
    items.push({ feeds, ref: await s.reference.run(feeds), label: s.labels?.[items.length] });
  }
  return items;
}

/** Each sample's own score under the plain model (one session, one run per sample). */
async function perSampleScores<Q>(s: PrecisionSearch<Q>, q: Q, items: Item[]): Promise<Score[]> {
  const c = await s.candidate(q);
  try {
    const out: Score[] = [];
    for (const it of items) out.push(scoreOf(await compare(s.reference, c, [it])));
    return out;
  } finally {
    await c.close();
  }
}

/** compareOutputs over samples held in memory, the float outputs read from them rather than run again. */
function compare(reference: Reference, c: Candidate, items: Item[]) {
  const byFeeds = new Map(items.map((it) => [it.feeds, it.ref]));
  const cached: Reference = {
    outputNames: reference.outputNames,
    run: (feeds) => Promise.resolve(byFeeds.get(feeds)!),
    close: () => undefined,
  };
  const source: SampleSource = {
    count: items.length,
    kind: 'data',
    async *samples() {
      for (const it of items) yield it.feeds;
    },
  };
  const labels = items.every((it) => it.label !== undefined) ? items.map((it) => it.label!) : undefined;
  return compareOutputs(cached, { [SCORED]: c }, source, { labels, labelled: SCORED });
}

function figures(s: Score): PrecisionScore {
  const f: PrecisionScore = { sqnrDb: s.sqnrDb };
  if (s.agreement !== undefined) f.top1Agreement = s.agreement;
  if (s.top1Quant !== undefined) f.top1Accuracy = s.top1Quant;
  if (s.top1Float !== undefined) f.top1AccuracyFloat = s.top1Float;
  const drop = dropOf(s);
  if (drop !== undefined) f.dropPoints = drop;
  return f;
}

function describe(s: Score): string {
  const drop = dropOf(s);
  return `${drop === undefined ? '' : `drop ${drop.toFixed(2)} points, `}output SQNR ${s.sqnrDb.toFixed(1)} dB`;
}
