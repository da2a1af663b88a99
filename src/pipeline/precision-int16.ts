import type { KeptOp, MixedPrecisionReport } from '../report/types.js';
import { meets, type PrecisionTarget, type Score } from './precision-target.js';

/** At most this many int16 trials (each a quantization, a written file and its evaluation). */
const MAX_TRIALS = 6;

export interface Int16Trial<Q> {
  target: PrecisionTarget;
  /** --exclude as the user gave it: never part of the search's choice. */
  baseExclude: string[];
  /** Whether a kept op (by node name) has 16x8 kernels (TFLite; src/ops' `int16`). */
  capable(node: string): boolean;
  /** The model with `exclude` in float and `int16` with int16 activations, judged as its file runs. */
  judge(exclude: string[], int16: string[]): Promise<{ quant: Q; score: Score }>;
}

export interface Widened<Q> {
  quant: Q;
  exclude: string[];
  int16: string[];
  score: Score;
}

/**
 * Higher precision, the cheaper kind first: once the search has found the ops to keep out of int8 (in
 * float), those with 16x8 kernels are tried with int16 activations instead (int8 weights: a quarter of
 * float's weight bytes, and integer kernels). All of them at once first; where the target then fails, one
 * kept choice (an op, or a group) at a time, in the order the search kept them, each staying int16 only
 * if the target still holds. Ops without 16x8 kernels, and those int16 did not serve, stay float.
 */
export async function preferInt16<Q>(
  t: Int16Trial<Q>,
  found: { quant: Q; exclude: string[]; score: Score },
  kept: readonly KeptOp[],
  report: MixedPrecisionReport,
): Promise<Widened<Q>> {
  const keptOps = found.exclude.filter((n) => !t.baseExclude.includes(n));
  const capable = keptOps.filter((n) => t.capable(n));
  let best: Widened<Q> = { ...found, int16: [] };
  if (capable.length === 0) return best;
  const trial = async (int16: string[]): Promise<Widened<Q> | undefined> => {
    const exclude = found.exclude.filter((n) => !int16.includes(n));
    const r = await t.judge(exclude, int16);
    report.int16Trials = (report.int16Trials ?? 0) + 1;
    return meets(t.target, r.score) ? { ...r, exclude, int16 } : undefined;
  };
  const all = await trial(capable);
  if (all) best = all;
  else if (kept.length > 1) {
    for (const k of kept.slice(0, MAX_TRIALS - 1)) {
      const more = (k.members ?? [k.node]).filter((n) => capable.includes(n) && !best.int16.includes(n));
      if (more.length === 0) continue;
      best = (await trial([...best.int16, ...more])) ?? best;
    }
  }
  return best;
}

/** What kept ops run in, for the report: float, int16, or both. */
export function keptPrecision(int16: readonly string[], keptOps: number): MixedPrecisionReport['precision'] {
  if (int16.length === 0) return 'float';
  return int16.length >= keptOps ? 'int16' : 'int16 and float';
}
