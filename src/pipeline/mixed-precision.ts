import { compareOutputs, type Candidate, type Reference } from '../eval/evaluate.js';
import { agreementCounts, classAxis, sequenceSteps } from '../eval/metrics.js';
import type { Tensor } from '../ir/tensor.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import type { MixedPrecisionReport, PrecisionScore } from '../report/types.js';
import { batched } from './precision-batch.js';
import { bisectPrefix, keptPrefix, prefixOrder } from './precision-bisect.js';
import { dropUpperBound, type SampleMisses } from './precision-bound.js';
import { choicesOf, type Choice } from './precision-groups.js';
import { keptPrecision, preferInt16, type Widened } from './precision-int16.js';
import { prune } from './precision-prune.js';
import {
  singlesThenGroups,
  switchThenFile,
  union,
  type Found,
  type Judged,
  type Limits,
  type Ranked,
  type Ranker,
} from './precision-greedy.js';
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
  /**
   * One model in which any exclude list runs without a file of its own (precision-switch.ts), built
   * from the plain model; the search ranks and steps on it and checks its choice on a file.
   */
  switched?(q: Q): Promise<{ candidate(exclude: string[]): Candidate; close(): Promise<void> }>;
  /**
   * Int16 activations for kept ops that have 16x8 kernels (affine ONNX inputs); absent: kept ops are float,
   * and `why` says so in the report.
   */
  int16?: { capable(node: string): boolean; quantize(exclude: string[], int16: string[]): Promise<Q> };
  int16Unavailable?: string;
  /**
   * 'bisect' (default): the shortest prefix of the ranked single ops (precision-bisect.ts), then, where
   * no prefix meets the target, 'greedy': one choice (an op or a group) a step, ranked again where a step
   * does not help (precision-greedy.ts), which alone is what 'greedy' runs.
   */
  strategy?: 'bisect' | 'greedy';
  onProgress?: (stage: string, done?: number, total?: number) => void;
  signal?: AbortSignal;
}

export interface SearchOutcome<Q> {
  /** The model to write (the one that meets the target, or the plain one when nothing could). */
  quant: Q;
  /** The model without the search's exclusions. */
  base: Q;
  exclude: string[];
  /** Kept ops run with int16 activations (not in `exclude`). */
  int16: string[];
  report: MixedPrecisionReport;
  warning?: string;
}

/** The samples ops are ranked on: the worst this many (NNCF's ranking subset, kept small: each op costs a session). */
export const RANKING_SAMPLES = 8;
/** Evaluation samples the search holds in memory with their float outputs. */
export const MAX_SEARCH_SAMPLES = 200;
/**
 * Steps before the search gives up, and re-rankings after steps that did not help. On files (each a
 * quantization, a write and a session: about a second on PP-OCRv4 rec) few; on the switched model,
 * where a candidate costs only its inference runs (still about 0.3 s a candidate on rec), a few more.
 */
const LIMITS: { fast: Limits; file: Limits } = {
  fast: { steps: 48, reranks: 4, width: 32, stall: 8, prune: 32 },
  file: { steps: 48, reranks: 3, width: 24, stall: 6, prune: 8 },
};

/** A judge of exclude lists that can be asked about some of the samples only (ranking). */
type ItemJudge<Q> = (exclude: string[], on?: Item[]) => Promise<Judged<Q>>;

interface Item {
  feeds: Feeds;
  ref: Record<string, Tensor>;
  label?: number;
}

export async function searchPrecision<Q>(s: PrecisionSearch<Q>): Promise<SearchOutcome<Q>> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const items = await loadItems(s);
  const j = judges(s, items);
  s.onProgress?.('mixed precision: the plain model');
  const base = await s.quantize(s.baseExclude);
  const perSample: Score[] = [];
  const before = await j.fileScore(base, items, perSample);
  checkMeasurable(s.target, before);
  const ops = s.ops(base).filter((o) => !s.baseExclude.includes(o.node));
  const choices = choicesOf(ops);
  const report: MixedPrecisionReport = {
    target: {
      ...s.target,
      metric: targetMetric(s.target, before.top1Float !== undefined, before.decoded),
    },
    precision: 'float',
    samples: items.length,
    rankingSamples: Math.min(RANKING_SAMPLES, items.length),
    candidates: ops.length,
    groups: choices.length - ops.length,
    before: figures(before),
    after: figures(before),
    met: meets(s.target, before),
    kept: [],
    evaluations: 0,
    reranks: 0,
    ...(s.int16Unavailable ? { precisionNote: s.int16Unavailable } : {}),
  };
  const done = (quant: Q, exclude: string[], warning?: string, int16: string[] = []): SearchOutcome<Q> => {
    report.evaluations = j.count.files + j.count.switched;
    report.fileEvaluations = j.count.files;
    if (j.count.ranked) report.msPerCandidate = Math.round(j.count.rankMs / j.count.ranked);
    report.searchMs = Math.round(performance.now() - t0);
    report.searchCpuMs = cpuMs(process.cpuUsage(cpu0));
    if (j.count.ranked) report.rankCpuMs = Math.round(j.count.rankCpuMs);
    return { quant, base, exclude, int16, report, warning };
  };
  if (report.met) return done(base, s.baseExclude);
  s.onProgress?.('mixed precision: every op in float');
  const all = await s.quantize([...s.baseExclude, ...ops.map((o) => o.node)]);
  const ceiling = await j.fileScore(all, items);
  if (!meets(s.target, ceiling)) {
    const why =
      `--${s.target.maxDrop !== undefined ? 'max_drop' : 'min_sqnr'}: the target (${report.target.metric}) ` +
      `is not met even with all ${ops.length} quantized ops in float (${describe(ceiling)}); the files are written without mixed precision` +
      (ceiling.bound !== undefined && (dropOf(ceiling) ?? 0) <= s.target.maxDrop! + 1e-9
        ? `: ${items.length} evaluation samples are too few to show the drop within ${s.target.maxDrop} points at 95% confidence; give more (--eval_data)`
        : '');
    return done(base, s.baseExclude, why);
  }
  const subset = worstSamples(s.target, perSample, RANKING_SAMPLES).map((i) => items[i]!);
  const plain = { quant: base, exclude: s.baseExclude, score: before };
  const searched = await search(s, j, subset, choices, plain, report);
  report.met = meets(s.target, searched.score);
  const found = report.met ? await widen(s, j, items, searched, report) : { ...searched, int16: [] };
  report.after = figures(found.score);
  const kept = found.exclude.length - s.baseExclude.length;
  const warning = report.met
    ? undefined
    : `--max_drop/--min_sqnr: the target (${report.target.metric}) was not reached within the search's limits; ${kept} op(s) kept in float (${describe(found.score)})`;
  return done(found.quant, found.exclude, warning, found.int16);
}

/** The search's choice with the kept ops that have 16x8 kernels in int16 where the target holds so. */
async function widen<Q>(
  s: PrecisionSearch<Q>,
  j: ReturnType<typeof judges<Q>>,
  items: Item[],
  found: Found<Q> & { quant: Q },
  report: MixedPrecisionReport,
): Promise<Widened<Q>> {
  const wide = s.int16;
  if (!wide) return { ...found, int16: [] };
  s.onProgress?.('mixed precision: kept ops in int16');
  const trial = {
    target: s.target,
    baseExclude: s.baseExclude,
    capable: (n: string) => wide.capable(n),
    judge: async (exclude: string[], int16: string[]) => {
      const quant = await wide.quantize(exclude, int16);
      return { quant, score: await j.fileScore(quant, items) };
    },
  };
  const r = await preferInt16(trial, found, report.kept, report);
  const keptOps = found.exclude.length - s.baseExclude.length;
  report.precision = keptPrecision(r.int16, keptOps);
  if (r.int16.length) report.int16 = r.int16;
  return r;
}

/**
 * How exclude lists are judged, and counted: as written files (each a quantization, a file and a
 * session), or on the switched model when the pipeline offers one.
 */
function judges<Q>(s: PrecisionSearch<Q>, items: Item[]) {
  const count = { files: 0, switched: 0, rankMs: 0, rankCpuMs: 0, ranked: 0 };
  /** `perSample`, when given, gets each sample's own score too (from the same runs). */
  const score = async (c: Candidate, on: Item[], perSample?: Score[]): Promise<Score> => {
    s.signal?.throwIfAborted();
    const feeds = on.map((it) => it.feeds);
    const b = await batched(c, feeds).catch(async (e: unknown) => {
      await c.close();
      throw e;
    });
    try {
      const counted = countingMisses(b, on);
      const sc = scoreOf(await compare(s.reference, counted.candidate, on));
      const bound = counted.bound();
      for (const it of perSample ? on : []) perSample!.push(scoreOf(await compare(s.reference, b, [it])));
      return bound === undefined ? sc : { ...sc, bound };
    } finally {
      await b.close();
    }
  };
  const fileScore = async (q: Q, on: Item[], perSample?: Score[]) => {
    count.files++;
    return score(await s.candidate(q), on, perSample);
  };
  const byFile: ItemJudge<Q> = async (exclude, on) => {
    const quant = await s.quantize(exclude);
    return { quant, score: await fileScore(quant, on ?? items) };
  };
  const bySwitch =
    (switched: Switched): ItemJudge<Q> =>
    async (exclude, on) => {
      count.switched++;
      return { score: await score(switched.candidate(exclude), on ?? items) };
    };
  return { count, fileScore, byFile, bySwitch };
}

type Switched = Awaited<ReturnType<NonNullable<PrecisionSearch<unknown>['switched']>>>;

/** Single ops, then groups, on the switched model checked on a file, else on files; then given back. */
async function search<Q>(
  s: PrecisionSearch<Q>,
  j: ReturnType<typeof judges<Q>>,
  subset: Item[],
  choices: Choice[],
  plain: Found<Q> & { quant: Q },
  report: MixedPrecisionReport,
): Promise<Found<Q> & { quant: Q }> {
  const rank =
    (judge: ItemJudge<Q>): Ranker =>
    async (exclude, pool) => {
      // What the pool's choices gain is measured from the model as it is (groups: per op they keep).
      const sizes = new Set(pool.map((o) => o.members.length));
      const base = sizes.size > 1 ? (await judge(exclude, subset)).score : undefined;
      const ranked = await measure(judge, pool, (o) => union(exclude, o.members));
      return ranked.sort((a, b) => preferred(s.target, a, b, base));
    };
  const measure = async (judge: ItemJudge<Q>, pool: Choice[], exclude: (o: Choice) => string[]) => {
    const ranked: Ranked[] = [];
    for (const [i, o] of pool.entries()) {
      s.onProgress?.('mixed precision: ranking ops', i, pool.length);
      const t = performance.now();
      const c = process.cpuUsage();
      const sc = (await judge(exclude(o), subset)).score;
      j.count.rankMs += performance.now() - t;
      j.count.rankCpuMs += cpuMs(process.cpuUsage(c));
      j.count.ranked++;
      ranked.push({ ...o, alone: figures(sc), score: sc });
    }
    return ranked;
  };
  /**
   * The bisection's ranking: the error each op adds alone, the model with only that op quantized (all
   * others float), worst first. Ranked by what keeping each in float gains on the int8 model instead,
   * PP-OCRv4 rec pow2's p2o.Conv.28 came last (in float alone it made the int8 model worse), yet alone in
   * int8 it broke the target: the prefixes of that ranking met it only with all 212 ops in float.
   */
  const rankAlone =
    (judge: ItemJudge<Q>) =>
    async (pool: Choice[]): Promise<Ranked[]> => {
      const all = pool.flatMap((o) => o.members);
      const ranked = await measure(judge, pool, (o) =>
        union(
          plain.exclude,
          all.filter((n) => !o.members.includes(n)),
        ),
      );
      return ranked.sort((a, b) => compareScores(s.target, b.score, a.score));
    };
  const step = (judge: ItemJudge<Q>, estimated?: boolean) => ({
    target: s.target,
    onProgress: s.onProgress,
    rank: rank(judge),
    judge,
    estimated,
    figures,
  });
  const switched = s.switched ? await s.switched(plain.quant) : undefined;
  try {
    const fast = switched ? step(j.bySwitch(switched), true) : step(j.byFile);
    const found =
      s.strategy === 'greedy'
        ? undefined
        : await bisected(
            { ...fast, rankAlone: rankAlone(switched ? j.bySwitch(switched) : j.byFile) },
            switched ? step(j.byFile) : undefined,
            choices,
            plain,
            report,
          );
    if (found) return found;
    // The ranked prefix did not reach the target: the greedy search, with groups of ops.
    report.kept = [];
    if (switched)
      return await switchThenFile(
        step(j.bySwitch(switched), true),
        step(j.byFile),
        choices,
        plain,
        report,
        LIMITS,
      );
    const r = await singlesThenGroups(step(j.byFile), choices, plain, report, LIMITS.file);
    const pruned = await prune(step(j.byFile), r.found, report, s.baseExclude, LIMITS.file.prune);
    return { ...pruned, quant: pruned.quant ?? r.found.quant ?? plain.quant };
  } finally {
    await switched?.close();
  }
}

type StepOf<Q> = Parameters<typeof switchThenFile<Q>>[0];

/**
 * Single ops ranked by the error each adds alone (on the ranking samples), then the shortest prefix of that
 * ranking that meets the target found by bisection (precision-bisect.ts): on the switched model when
 * there is one (`file` then checks its choice, and bisects on files from there when the file falls
 * short), else on files. Undefined when no prefix meets the target.
 */
async function bisected<Q>(
  fast: StepOf<Q> & { rankAlone: (pool: Choice[]) => Promise<Ranked[]> },
  file: StepOf<Q> | undefined,
  choices: Choice[],
  plain: Found<Q> & { quant: Q },
  report: MixedPrecisionReport,
): Promise<(Found<Q> & { quant: Q }) | undefined> {
  const start = file ? { exclude: plain.exclude, score: (await fast.judge(plain.exclude)).score } : plain;
  const ranked = await fast.rankAlone(choices.filter((c) => c.op !== 'group'));
  const order = prefixOrder(ranked, plain.exclude);
  const r = await bisectPrefix(fast, ranked, start, { from: 0, upTo: order.length });
  if (!r) return undefined;
  report.bisections = r.judged;
  let found = { ...r.found, quant: r.found.quant ?? plain.quant };
  let length = r.length;
  if (file) {
    const checked = await file.judge(r.found.exclude);
    report.estimate = fast.figures(r.found.score);
    report.verified = file.figures(checked.score);
    found = { exclude: r.found.exclude, score: checked.score, quant: checked.quant ?? plain.quant };
    if (!meets(file.target, checked.score)) {
      const more = await bisectPrefix(file, ranked, plain, { from: r.length, upTo: order.length });
      if (!more) return undefined;
      report.bisections += more.judged;
      found = { ...more.found, quant: more.found.quant ?? plain.quant };
      length = more.length;
    }
  }
  report.kept = keptPrefix(order, length, fast.figures(found.score));
  return found;
}

/**
 * Ranking order: the choices that reach the target on the ranking samples first, the fewest ops first
 * (a whole group in float always scores best, and costs the most), then the rest by what they gain per
 * op they keep over `base` (the model they are ranked against), else by their score: ranked by score
 * alone, the largest group always came first.
 */
function preferred(t: PrecisionTarget, a: Ranked, b: Ranked, base?: Score): number {
  const ma = meets(t, a.score);
  const mb = meets(t, b.score);
  if (ma !== mb) return ma ? -1 : 1;
  if (ma && a.members.length !== b.members.length) return a.members.length - b.members.length;
  if (!ma && base && a.members.length !== b.members.length) {
    const [ga, gb] = [gainPerOp(t, a, base), gainPerOp(t, b, base)];
    for (let i = 0; i < ga.length; i++) if (Math.abs(ga[i]! - gb[i]!) > 1e-9) return gb[i]! - ga[i]!;
  }
  return compareScores(t, a.score, b.score);
}

/** Gain over `base` per kept op: points of drop (when the target limits one), then dB of output SQNR. */
function gainPerOp(t: PrecisionTarget, c: Ranked, base: Score): number[] {
  const n = c.members.length;
  const finite = (v: number) => (Number.isFinite(v) ? v : Math.sign(v) * 1e6);
  const db = finite(c.score.sqnrDb) - finite(base.sqnrDb);
  if (t.maxDrop === undefined) return [db / n];
  return [((dropOf(base) ?? 100) - (dropOf(c.score) ?? 100)) / n, db / n];
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

/**
 * `c`, noting as it runs each sample what the drop's bound (precision-bound.ts) needs: with labels, the
 * sample's top-1 loss against float (1, 0 or -1 of 1); else per class-score output its misses against
 * float (agreementCounts). bound(): the worst output's upper bound in points, once every sample ran.
 */
function countingMisses(c: Candidate, items: Item[]) {
  // compareOutputs runs the candidate once per sample, in order (an NHWC candidate gets other feeds).
  let at = 0;
  const perOutput = new Map<string, SampleMisses[]>();
  const labelled: SampleMisses[] = [];
  const note = (name: string, m: SampleMisses) => {
    const list = perOutput.get(name) ?? [];
    perOutput.set(name, [...list, m]);
  };
  const candidate: Candidate = {
    ...c,
    async run(feeds) {
      const out = await c.run(feeds);
      const it = items[at++];
      if (!it) return out;
      if (it.label !== undefined) {
        const [name, ref] = Object.entries(it.ref)[0]!;
        const hit = (a: Float32Array) => (argmaxOf(a) === it.label ? 1 : 0);
        labelled.push({ misses: hit(ref.toFloat32()) - hit(out[name]!.data), weight: 1 });
        return out;
      }
      for (const [name, ref] of Object.entries(it.ref)) {
        const o = out[name];
        if (!o) continue;
        const k = agreementCounts(ref.toFloat32(), o.data, classAxis(ref.dims), sequenceSteps(ref.dims));
        if (k) note(name, { misses: k.misses, weight: k.total });
      }
      return out;
    },
  };
  const bound = (): number | undefined => {
    if (labelled.length) return 100 * dropUpperBound(labelled);
    const bounds = [...perOutput.values()].map((m) => 100 * dropUpperBound(m));
    return bounds.length ? Math.max(...bounds) : undefined;
  };
  return { candidate, bound };
}

function argmaxOf(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
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
  if (s.agreement !== undefined) f[s.decoded ? 'characterAgreement' : 'top1Agreement'] = s.agreement;
  if (s.top1Quant !== undefined) f.top1Accuracy = s.top1Quant;
  if (s.top1Float !== undefined) f.top1AccuracyFloat = s.top1Float;
  const drop = dropOf(s);
  if (drop !== undefined) f.dropPoints = drop;
  if (s.bound !== undefined) f.dropBound = s.bound;
  return f;
}

function describe(s: Score): string {
  const drop = dropOf(s);
  const bound = s.bound === undefined ? '' : ` (upper bound ${s.bound.toFixed(2)})`;
  return `${drop === undefined ? '' : `drop ${drop.toFixed(2)} points${bound}, `}output SQNR ${s.sqnrDb.toFixed(1)} dB`;
}

const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
