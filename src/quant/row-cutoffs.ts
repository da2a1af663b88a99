/**
 * The row arithmetic of the reduced percentile calibration (calibrate-reduced.ts): which rows of a
 * reduced tensor pass a cutoff, and the cutoffs that send a given share of a sample's rows. A row's
 * magnitude is max(rowmax, -rowmin), as the calibration graph computes it (calib-graph.ts).
 */
import { kthLargest } from './kth-largest.js';

/** scan's results: min, max, rows past the cutoff (slots, for the reason observers.ts keeps `extremes`). */
export const scanned = new Float64Array(3);

/**
 * The extremes of the row extremes, and how many rows' magnitude max(max, -min) passes `cutoff`, counted
 * without a branch: on ReLU-like maps whether a row passes is unpredictable, and the branch took 23 ms a
 * sample on PP-OCRv4 det at 640x640 (2.6 million rows) against 6.5. `(hi > c && lo is a number) || -lo > c`
 * is the max form's count, NaN included: (hi > -lo ? hi : -lo) is -lo when either is NaN.
 */
export function scan(rowMax: Float32Array, rowMin: Float32Array, cutoff: number): void {
  const r = scanned;
  r[0] = Infinity;
  r[1] = -Infinity;
  let count = 0;
  for (let j = 0; j < rowMax.length; j++) {
    const hi = rowMax[j]!;
    const lo = rowMin[j]!;
    if (lo < r[0]!) r[0] = lo;
    if (hi > r[1]!) r[1] = hi;
    count += (+(hi > cutoff) & +(lo === lo)) | +(-lo > cutoff);
  }
  r[2] = count;
}

/** The row magnitude past which `share` of the part's rows lie. */
export function shareCutoff(rowMax: Float32Array, rowMin: Float32Array, share: number): number {
  const k = Math.max(1, Math.ceil(rowMax.length * share));
  return kthLargest(magnitudes(rowMax, rowMin), k);
}

/**
 * max(next, shareCutoff(rowMax, rowMin, share)), with the selection only where it can pass `next`: the k-th largest
 * row magnitude (NaN ranked largest, as kthLargest ranks it) lies at or below `next` when fewer than k
 * magnitudes pass it or are NaN, counted in one loop. On PP-OCRv4 rec (32 samples) the selection on every
 * lowered cutoff took 0.23 s of 2.6 s CPU.
 */
export function atLeastShare(
  rowMax: Float32Array,
  rowMin: Float32Array,
  next: number,
  share: number,
): number {
  const k = Math.max(1, Math.ceil(rowMax.length * share));
  let passing = 0;
  for (let j = 0; j < rowMax.length; j++) {
    const m = Math.max(rowMax[j]!, -rowMin[j]!);
    passing += +(m > next) | +(m !== m);
  }
  return passing < k ? next : Math.max(next, shareCutoff(rowMax, rowMin, share));
}

let scratchMags = new Float32Array(0);
/** max(rowmax, -rowmin) per row (NaN where either is NaN), in an array reused from call to call. */
function magnitudes(rowMax: Float32Array, rowMin: Float32Array): Float32Array {
  if (scratchMags.length < rowMax.length) scratchMags = new Float32Array(rowMax.length);
  const mags = scratchMags.subarray(0, rowMax.length);
  for (let j = 0; j < rowMax.length; j++) mags[j] = Math.max(rowMax[j]!, -rowMin[j]!);
  return mags;
}
