import type { KeptOp, PrecisionScore } from '../report/types.js';
import type { Found, Judge, Ranked } from './precision-greedy.js';
import { meets, type PrecisionTarget } from './precision-target.js';

/**
 * The fewest of the ranked ops, taken in rank order, that meet the target: a bisection over the length
 * of the ranked list's prefix (about log2(ops) judgements), where the greedy search judged one op at a
 * step and ranked again after each step that did not help. On PP-OCRv4 rec pow2 the loss is spread over
 * most of the model and no single op helps much alone (issue 16), so greedy took tens of steps and
 * reranks of 32 candidates each; the bisection takes 8. It assumes that a longer prefix is no worse, as
 * the ranking (each op's error alone) implies; where that fails it still ends on a prefix that meets the
 * target (`hi` only ever holds one), maybe longer than needed.
 *
 * `from` is a prefix length already known to fail (0: the plain model), `upTo` one known to meet (or the
 * whole list, judged first when `known` is absent). Undefined when even `upTo` fails.
 */
export async function bisectPrefix<Q>(
  s: {
    target: PrecisionTarget;
    judge: Judge<Q>;
    onProgress?: (stage: string, done?: number, total?: number) => void;
  },
  ranked: readonly Ranked[],
  start: Found<Q>,
  range: { from: number; upTo: number; known?: Found<Q> },
): Promise<{ found: Found<Q>; length: number; judged: number } | undefined> {
  const order = prefixOrder(ranked, start.exclude);
  const prefix = (k: number) => [...start.exclude, ...order.slice(0, k).map((r) => r.node)];
  let judged = 0;
  const judge = async (k: number) => {
    judged++;
    s.onProgress?.('mixed precision: bisecting the ranked ops', judged);
    const exclude = prefix(k);
    const j = await s.judge(exclude);
    return { quant: j.quant, exclude, score: j.score };
  };
  let [lo, hi] = [range.from, Math.min(range.upTo, order.length)];
  let best = range.known ?? (await judge(hi));
  if (!meets(s.target, best.score)) return undefined;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const j = await judge(mid);
    if (meets(s.target, j.score)) [hi, best] = [mid, j];
    else lo = mid;
  }
  return { found: best, length: hi, judged };
}

/** The ranked single ops not already kept, once each, in rank order. */
export function prefixOrder(ranked: readonly Ranked[], exclude: readonly string[]): Ranked[] {
  const seen = new Set(exclude);
  return ranked.filter((r) => r.members.length === 1 && !seen.has(r.node) && (seen.add(r.node), true));
}

/** The report's kept list for a prefix: each op with its figures alone; the last with the model's. */
export function keptPrefix(order: readonly Ranked[], length: number, after: PrecisionScore): KeptOp[] {
  return order.slice(0, length).map((r, i) => ({
    node: r.node,
    op: r.op,
    alone: r.alone,
    ...(i === length - 1 ? { after } : {}),
  }));
}
