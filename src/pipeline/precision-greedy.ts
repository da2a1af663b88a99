import type { KeptOp, MixedPrecisionReport, PrecisionScore } from '../report/types.js';
import type { Choice } from './precision-groups.js';
import { prune } from './precision-prune.js';
import { compareScores, meets, type PrecisionTarget, type Score } from './precision-target.js';

/** An exclude list's figures on every evaluation sample, with the model when one was built for it. */
export interface Judged<Q> {
  quant?: Q;
  score: Score;
}
export type Judge<Q> = (exclude: string[]) => Promise<Judged<Q>>;
export type Ranked = Choice & { alone: PrecisionScore; score: Score };
/** Ranks `pool` by the model with each choice kept in float on top of `exclude`, best first. */
export type Ranker = (exclude: string[], pool: Choice[]) => Promise<Ranked[]>;
export interface Found<Q> {
  quant?: Q;
  exclude: string[];
  score: Score;
}
export interface Limits {
  /** Steps (choices kept one by one) before the search gives up and says so. */
  steps: number;
  /** Re-rankings after steps that did not help; each re-ranks at most `width` of the next choices. */
  reranks: number;
  width: number;
  /** Steps in a row that did not help before the search stops trying single ops (groups come next). */
  stall: number;
  /** Judgements spent giving back to int8 what the target does not need (precision-prune.ts). */
  prune: number;
}

interface Step<Q> {
  target: PrecisionTarget;
  onProgress?: (stage: string, done?: number, total?: number) => void;
  rank: Ranker;
  judge: Judge<Q>;
  /** The judge estimates (the switched model) rather than measures a file: the report says so. */
  estimated?: boolean;
  figures: (s: Score) => PrecisionScore;
}

/** `exclude` and `more`, each name once, in order. */
export const union = (exclude: readonly string[], more: readonly string[]): string[] => [
  ...new Set([...exclude, ...more]),
];

/**
 * Keeps the best-ranked choice in float, step by step, until the target holds on every sample. A step
 * that leaves the model no better is undone (its ops stay int8: keeping them would cost size and speed
 * for nothing) and the choices after it are ranked again against the model as it is. Choices the kept
 * ones already hold (an op inside a kept group) are passed over. Returns what is left of the queue.
 */
export async function greedy<Q>(
  s: Step<Q>,
  queue: Ranked[],
  start: Found<Q>,
  report: MixedPrecisionReport,
  limits: Limits,
): Promise<{ found: Found<Q>; queue: Ranked[] }> {
  let best = start;
  let reranks = 0;
  let stalled = 0;
  for (let step = 0; queue.length && step < limits.steps && stalled < limits.stall;) {
    const next = queue.shift()!;
    if (next.members.every((m) => best.exclude.includes(m))) continue;
    step++;
    const exclude = union(best.exclude, next.members);
    s.onProgress?.('mixed precision: ops tried in float', step, limits.steps);
    const judged = await s.judge(exclude);
    if (compareScores(s.target, judged.score, best.score) < 0) {
      report.kept.push(keptOp(next, s.figures(judged.score), s.estimated));
      best = { quant: judged.quant, exclude, score: judged.score };
      stalled = 0;
      if (meets(s.target, judged.score)) break;
      continue;
    }
    report.undone = (report.undone ?? 0) + 1;
    stalled++;
    if (reranks < limits.reranks && queue.length > 1) {
      // The choice did not help as it did alone: the ones after it may not either, measured now.
      reranks++;
      report.reranks++;
      const pending = queue.filter((c) => !c.members.every((m) => best.exclude.includes(m)));
      const head = await s.rank(best.exclude, pending.slice(0, limits.width));
      queue = [...head, ...pending.slice(limits.width)];
    }
  }
  return { found: best, queue };
}

/**
 * Single ops first (NNCF's search); where they cannot reach the target, groups of ops (precision-
 * groups.ts) ranked against the model as the single ops left it.
 */
export async function singlesThenGroups<Q>(
  s: Step<Q>,
  choices: Choice[],
  start: Found<Q>,
  report: MixedPrecisionReport,
  limits: Limits,
): Promise<{ found: Found<Q>; queue: Ranked[] }> {
  const groups = choices.filter((c) => c.op === 'group');
  const singles = choices.filter((c) => c.op !== 'group');
  const first = await greedy(s, await s.rank(start.exclude, singles), start, report, limits);
  if (meets(s.target, first.found.score) || !groups.length) return first;
  const pending = groups.filter((c) => !c.members.every((m) => first.found.exclude.includes(m)));
  const ranked = await s.rank(first.found.exclude, pending);
  return greedy(s, ranked, first.found, report, limits);
}

function keptOp(c: Ranked, after: PrecisionScore, estimated?: boolean): KeptOp {
  const k: KeptOp = { node: c.node, op: c.op, alone: c.alone, after };
  if (c.op === 'group') k.members = c.members;
  if (estimated) k.estimated = true;
  return k;
}

/**
 * The search on the switched model (cheap: inference runs only), then its choice written as a file and
 * measured; where the file falls short of the estimate, the search goes on from there on files, in the
 * order the switched model ranked the rest.
 */
export async function switchThenFile<Q>(
  fast: Step<Q>,
  file: Step<Q>,
  choices: Choice[],
  plain: Found<Q> & { quant: Q },
  report: MixedPrecisionReport,
  limits: { fast: Limits; file: Limits },
): Promise<Found<Q> & { quant: Q }> {
  const start = { exclude: plain.exclude, score: (await fast.judge(plain.exclude)).score };
  const first = await singlesThenGroups(fast, choices, start, report, limits.fast);
  if (first.found.exclude.length === plain.exclude.length) return plain;
  const chosen = await prune(fast, first.found, report, plain.exclude, limits.fast.prune);
  const checked = await file.judge(chosen.exclude);
  report.estimate = fast.figures(chosen.score);
  report.verified = file.figures(checked.score);
  let found: Found<Q> & { quant: Q } = {
    quant: checked.quant as Q,
    exclude: chosen.exclude,
    score: checked.score,
  };
  if (compareScores(file.target, found.score, plain.score) >= 0) {
    // As a file, the switched model's choice is no better than none: nothing of it is kept.
    report.undone = (report.undone ?? 0) + report.kept.length;
    report.kept = [];
    found = plain;
  }
  if (meets(file.target, found.score)) return found;
  const rest = await greedy(file, first.queue, found, report, limits.file);
  return { ...rest.found, quant: rest.found.quant ?? found.quant };
}
