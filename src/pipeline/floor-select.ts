/**
 * pow2 --rounding floor: which of the measured conv/FC bias corrections the files keep, where few layers
 * move. B8 moves a bias by whole output steps only, so on a narrow layer (MMoE's towers: 16 and 1
 * channels) one correction can overshoot by more than the mean shift it cancels while its neighbours gain:
 * all-or-nothing then drops the ones that help with the one that costs. With at most MAX_LAYERS moved,
 * moves are taken back one at a time from the full set (backward elimination) and added one at a time to
 * none (forward selection) while the device scores better on the calibration samples; the better of the
 * two sets is kept.
 */
import type { Model } from '../ir/graph.js';

/** More moved layers than this keep all-or-nothing (one scoring run per layer and step is the cost). */
const MAX_LAYERS = 8;

/** A gain smaller than this (dB, on the calibration samples) is noise, not a reason to change the set. */
const MIN_GAIN_DB = 0.05;

type Score = (candidates: Model[]) => Promise<number[]>;

/**
 * `before`: the converted model with the conv/FC offsets alone; `after`: the same with the corrections;
 * `score`: the device's calibration figure (higher is better) of each candidate. Returns the model with the
 * chosen moves, its score, and how many of the moves it leaves out.
 */
export async function selectCorrections(
  before: Model,
  after: Model,
  score: Score,
): Promise<{ model: Model; score?: number; dropped: number }> {
  const moved = [...after.graph.initializers]
    .filter(([name, t]) => {
      const old = before.graph.initializers.get(name);
      return old && t.dtype === 'int32' && old.data.some((v, i) => v !== t.data[i]);
    })
    .map(([name]) => name);
  if (moved.length < 2 || moved.length > MAX_LAYERS) return { model: after, dropped: 0 };
  const [all, none] = await score([after, before]);
  const backward = await greedy(after, all!, moved, before, score);
  const forward = await greedy(before, none!, moved, after, score);
  const best = forward.score > backward.score + MIN_GAIN_DB ? forward : backward;
  const kept = moved.filter((n) => best.model.graph.initializers.get(n) === after.graph.initializers.get(n));
  return { model: best.model, score: best.score, dropped: moved.length - kept.length };
}

/**
 * From `start` (scored `startScore`), swaps one of the biases `names` at a time for `source`'s, the swap
 * that scores best, while it gains more than noise; each swapped name leaves the list the next round tries.
 */
async function greedy(
  start: Model,
  startScore: number,
  names: string[],
  source: Model,
  score: Score,
): Promise<{ model: Model; score: number }> {
  const swapped = (m: Model, name: string): Model => {
    const g = m.graph.clone();
    g.initializers.set(name, source.graph.initializers.get(name)!);
    return { ...m, graph: g };
  };
  let [current, best, open] = [start, startScore, names];
  while (open.length) {
    const scores = await score(open.map((name) => swapped(current, name)));
    const i = scores.indexOf(Math.max(...scores));
    if (!(scores[i]! > best + MIN_GAIN_DB)) break;
    [current, best] = [swapped(current, open[i]!), scores[i]!];
    open = open.filter((_, k) => k !== i);
  }
  return { model: current, score: best };
}
