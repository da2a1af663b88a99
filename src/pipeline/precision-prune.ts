import type { MixedPrecisionReport } from '../report/types.js';
import type { Found, Judge } from './precision-greedy.js';
import { meets, type PrecisionTarget } from './precision-target.js';

/** Parts of a kept group smaller than twice this are not split further. */
const MIN_PART = 4;

/**
 * Gives back to int8 what the target does not need, once it holds. The greedy steps keep a group whole,
 * though part of it may be enough (on PP-OCRv4 rec pow2 the blocks it kept were half the model), and an
 * op kept early may be needless after a later group. So, last kept first, each kept choice is tried back
 * in int8, and where the target then fails, each half of it (down to parts of MIN_PART ops); a part
 * goes back where the target still holds. At most `budget` judgements; the report's kept list is
 * trimmed to what stays.
 */
export async function prune<Q>(
  s: {
    target: PrecisionTarget;
    judge: Judge<Q>;
    onProgress?: (stage: string, done?: number, total?: number) => void;
  },
  found: Found<Q>,
  report: MixedPrecisionReport,
  baseExclude: readonly string[],
  budget: number,
): Promise<Found<Q>> {
  if (!meets(s.target, found.score) || report.kept.length === 0) return found;
  let best = found;
  let used = 0;
  const back = async (part: string[]): Promise<void> => {
    const live = part.filter((n) => best.exclude.includes(n) && !baseExclude.includes(n));
    if (!live.length || used >= budget) return;
    used++;
    s.onProgress?.('mixed precision: ops given back to int8', used, budget);
    const exclude = best.exclude.filter((n) => !live.includes(n));
    const judged = await s.judge(exclude);
    if (meets(s.target, judged.score)) {
      best = { quant: judged.quant, exclude, score: judged.score };
      return;
    }
    if (live.length < 2 * MIN_PART) return;
    const half = Math.ceil(live.length / 2);
    await back(live.slice(0, half));
    await back(live.slice(half));
  };
  for (const k of [...report.kept].reverse()) await back(k.members ?? [k.node]);
  const pruned = found.exclude.length - best.exclude.length;
  if (pruned === 0) return found;
  report.pruned = pruned;
  report.kept = report.kept.flatMap((k) => {
    if (!k.members) return best.exclude.includes(k.node) ? [k] : [];
    const members = k.members.filter((n) => best.exclude.includes(n));
    return members.length ? [{ ...k, members }] : [];
  });
  return best;
}
