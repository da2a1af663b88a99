import type { SampleSource } from '../quant/calibrate.js';
import {
  compareOutputs,
  type Candidate,
  type Comparison,
  type EvalOptions,
  type Reference,
} from './evaluate.js';
import { recording } from './recorded.js';
import { stopwatch } from '../util/timing.js';

/** Opens the candidates of one pass (they are closed when the pass ends). */
export type Pass = () => Promise<Record<string, Candidate>>;

export interface PassOptions extends EvalOptions {
  /**
   * Called once the first pass is done, with whether the reference's outputs are replayed: what only the
   * first pass needs (the paired session; the reference itself, when replayed) can go.
   */
  closeFirst?: (replayed: boolean) => Promise<void> | void;
  /** Feeds and float outputs kept for replay, at most (default REPLAY_BYTES). */
  replayBytes?: number;
}

/**
 * Feeds and float outputs kept to replay to later passes. PP-OCRv4 det at 640x640 with 16 evaluation
 * samples keeps 105 MB (a 4.9 MB input and a 1.6 MB map per sample); past this, later passes read the
 * samples again and run the float model again instead (`fresh`).
 */
export const REPLAY_BYTES = 256 * 2 ** 20;

/**
 * compareOutputs with the candidates opened and closed pass by pass, so that at most one pass's runtimes
 * hold memory at a time (the 500 MB MLP: the paired ORT session, LiteRT's WASM heap and two integer executors
 * open together added 1.7 GB). The float reference runs in the first pass only: its outputs and the
 * feeds are recorded and replayed to the later ones (see recording). Each candidate sees the same samples
 * in the same order as in one pass, so every figure equals the one-pass figure.
 *
 * When the recording overflows, `reference` runs again for every later pass. `labelled` applies in the
 * pass holding that candidate, 'onnx' elsewhere (the later figure wins); `firstSamples` in the passes of
 * candidates named 'device' or 'truncating', the ones whose first-sample figures are read.
 */
export async function comparePasses(
  reference: Reference,
  passes: Pass[],
  source: SampleSource,
  opts: PassOptions = {},
): Promise<Comparison> {
  const rec = recording(reference, source, passes.length > 1 ? (opts.replayBytes ?? REPLAY_BYTES) : 0);
  let ref = rec.reference;
  let src = rec.source;
  const merged: Comparison = { metrics: {}, referenceRms: {} };
  const total = passes.length * source.count;
  const lap = stopwatch('evaluate');
  for (const [p, open] of passes.entries()) {
    if (p === 1) {
      const replay = rec.replay();
      await opts.closeFirst?.(replay !== undefined);
      if (replay) ({ reference: ref, source: src } = replay);
      else [ref, src] = [reference, source];
    }
    const candidates = await open();
    const names = Object.keys(candidates).join(' + ');
    lap(`pass ${p + 1} (${names}): open`);
    try {
      if (!Object.keys(candidates).length) continue;
      const watched = 'device' in candidates || 'truncating' in candidates;
      const c = await compareOutputs(ref, candidates, src, {
        ...opts,
        labelled: opts.labelled && opts.labelled in candidates ? opts.labelled : 'onnx',
        firstSamples: watched ? opts.firstSamples : undefined,
        onSample: (done) => opts.onSample?.(p * source.count + done, total),
      });
      mergeInto(merged, c);
      lap(`pass ${p + 1} (${names}): run`);
    } finally {
      for (const c of Object.values(candidates)) await c.close();
    }
  }
  return merged;
}

function mergeInto(into: Comparison, c: Comparison): void {
  Object.assign(into.metrics, c.metrics);
  if (c.accuracy) into.accuracy = c.accuracy;
  for (const [k, v] of Object.entries(c.referenceRms)) into.referenceRms[k] ??= v;
  if (c.first) into.first = { ...into.first, ...c.first };
}
