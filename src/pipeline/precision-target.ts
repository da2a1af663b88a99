import { InvalidOptionError } from '../errors.js';
import type { Comparison } from '../eval/evaluate.js';
import { agreementOf } from '../eval/metrics.js';
import { CONFIDENCE } from './precision-bound.js';

/** What --max_drop and --min_sqnr ask of the written model; a run without either searches nothing. */
export interface PrecisionTarget {
  /**
   * Points of labelled top-1 accuracy (with labels), else of agreement with float (top-1, or for a
   * sequence output the greedy-CTC-decoded text's character agreement), it may lose.
   */
  maxDrop?: number;
  /** Output SQNR (dB) every float output must keep. */
  minSqnr?: number;
}

/** One candidate's figures on a set of samples, as the target reads them. */
export interface Score {
  /** The worst output's SQNR (dB). */
  sqnrDb: number;
  /**
   * The worst class-score output's agreement with float (0..1), when the model has one: top-1 per row,
   * or for a sequence output [N, T, classes] the decoded text's (OutputMetrics.characterAgreement).
   */
  agreement?: number;
  /** Whether `agreement` reads decoded text (a sequence output): what the report calls it. */
  decoded?: boolean;
  /** Labelled top-1 accuracy of float and of the candidate (0..1), when labels were given. */
  top1Float?: number;
  top1Quant?: number;
  /**
   * The drop's upper confidence bound (points, precision-bound.ts) on the samples scored, when the
   * search measured it: what --max_drop's stop rule reads.
   */
  bound?: number;
}

/** The candidate key a Comparison holds the scored file under. */
export const SCORED = 'candidate';

/** A Comparison of one candidate (key SCORED) reduced to what the target reads. */
export function scoreOf(c: Comparison): Score {
  const outputs = Object.values(c.metrics[SCORED] ?? {});
  const agreements = outputs.flatMap((m) => {
    const a = agreementOf(m);
    return a === undefined ? [] : [{ a, decoded: m.characterAgreement !== undefined }];
  });
  const worst = agreements.reduce<(typeof agreements)[number] | undefined>(
    (w, x) => (w === undefined || x.a < w.a ? x : w),
    undefined,
  );
  return {
    sqnrDb: Math.min(...outputs.map((m) => m.sqnrDb)),
    agreement: worst?.a,
    ...(worst?.decoded ? { decoded: true } : {}),
    top1Float: c.accuracy?.top1Float,
    top1Quant: c.accuracy?.top1Quant,
  };
}

/**
 * The points a score loses against float: labelled top-1 accuracy when labels were scored, else top-1
 * agreement (as --fail_on_drop reads them); undefined when the model has neither.
 */
export function dropOf(s: Score): number | undefined {
  if (s.top1Float !== undefined && s.top1Quant !== undefined) return (s.top1Float - s.top1Quant) * 100;
  return s.agreement === undefined ? undefined : (1 - s.agreement) * 100;
}

/** Figures compared with a tolerance: a sum over samples in another order differs in its last bits. */
const EPS = 1e-9;

/**
 * Whether a score meets the target: its drop's upper confidence bound where the search measured one
 * (precision-bound.ts), else the drop itself.
 */
export function meets(t: PrecisionTarget, s: Score): boolean {
  const drop = s.bound ?? dropOf(s);
  if (t.maxDrop !== undefined && !((drop ?? Infinity) <= t.maxDrop + EPS)) return false;
  return t.minSqnr === undefined || s.sqnrDb >= t.minSqnr - EPS;
}

/**
 * Orders scores best first: by the drop the target limits (when it limits one), then by output SQNR,
 * which separates candidates that move too few samples to change a count. Negative: `a` is better.
 */
export function compareScores(t: PrecisionTarget, a: Score, b: Score): number {
  if (t.maxDrop !== undefined) {
    const d = (dropOf(a) ?? Infinity) - (dropOf(b) ?? Infinity);
    if (Math.abs(d) > EPS) return d;
  }
  const sa = Number.isNaN(a.sqnrDb) ? -Infinity : a.sqnrDb;
  const sb = Number.isNaN(b.sqnrDb) ? -Infinity : b.sqnrDb;
  return sa === sb ? 0 : sb > sa ? 1 : -1;
}

/** What the target measures, in words, for the report (`decoded`: a sequence output's text is read). */
export function targetMetric(t: PrecisionTarget, labelled: boolean, decoded = false): string {
  const parts: string[] = [];
  const agreement = decoded
    ? 'character agreement with float (greedy CTC decoding, blank 0)'
    : 'top-1 agreement with float';
  if (t.maxDrop !== undefined)
    parts.push(
      (labelled
        ? `labelled top-1 accuracy drops at most ${t.maxDrop} points`
        : `${agreement} at least ${(100 - t.maxDrop).toFixed(2)}%`) +
        ` (the drop's ${CONFIDENCE * 100}% upper confidence bound on the evaluation samples)`,
    );
  if (t.minSqnr !== undefined) parts.push(`every output's SQNR at least ${t.minSqnr} dB`);
  return parts.join(' and ');
}

/** A --max_drop without labels needs an output the agreement can be read from: else a usage error. */
export function checkMeasurable(t: PrecisionTarget, s: Score): void {
  if (t.maxDrop !== undefined && dropOf(s) === undefined) {
    throw new InvalidOptionError(
      'max_drop',
      'needs labels (--labels) or a class-score output ([N, classes] or [N, T, classes]) to measure a drop on; this model has neither: use --min_sqnr',
    );
  }
}

/**
 * The indices of the `n` samples the quantized model serves worst (by compareScores on each sample's
 * own score): NNCF's accuracy control ranks on such a subset, where an op's harm shows most.
 */
export function worstSamples(t: PrecisionTarget, perSample: Score[], n: number): number[] {
  return perSample
    .map((s, i) => ({ s, i }))
    .sort((a, b) => compareScores(t, b.s, a.s) || a.i - b.i)
    .slice(0, n)
    .map((x) => x.i)
    .sort((a, b) => a - b);
}
