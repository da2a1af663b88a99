/**
 * Two int32 accumulators in one double. Weights of output channels 2j and 2j+1 are packed as
 * w_2j + w_2j+1 2^26, so one multiply-add x * packed adds x w_2j to the low lane and x w_2j+1 to the high
 * one. Every value stays an integer below 2^53, so the arithmetic is exact integer arithmetic; a lane
 * holds |Σ x w| <= 128 * 127 * K < 2^25 for K <= 2048, which is split back exactly. Doubles avoid the
 * overflow checks V8 puts on int32 adds and halve the multiplies: this is what makes conv and FC fast.
 */
export const LANE = 2 ** 26;
/** The longest dot product a lane holds exactly. */
export const MAX_PACKED_TERMS = 2048;

/** Packs rows of K int8 weights pairwise: result row j is rows 2j (low lane) and 2j+1 (high lane). */
export function packPairs(w: Int8Array, rows: number, K: number): Float64Array {
  const pairs = Math.ceil(rows / 2);
  const out = new Float64Array(pairs * K);
  for (let j = 0; j < pairs; j++) {
    const lo = 2 * j * K;
    const hi = lo + K;
    const has = 2 * j + 1 < rows;
    for (let i = 0; i < K; i++) out[j * K + i] = w[lo + i]! + (has ? w[hi + i]! * LANE : 0);
  }
  return out;
}

/** Where each output row reads x: `bases[p]` plus each of `taps`, a run of `run` contiguous values. */
export interface DotLayout {
  bases: Int32Array;
  taps: Int32Array;
  run: number;
}

/**
 * acc[p * stride + at + c] (c < count) = Σ over the K = taps * run terms of row p of x times the packed
 * weights of channel c; four pairs (eight channels) per pass over x.
 */
export function packedDots(
  x: Float64Array,
  layout: DotLayout,
  wp: Float64Array,
  count: number,
  acc: Int32Array,
  stride: number,
  at: number,
): void {
  const { bases, taps, run } = layout;
  const K = taps.length * run;
  const pairs = count >> 1;
  const odd = count & 1;
  for (let p = 0; p < bases.length; p++) {
    const base = bases[p]!;
    const o = p * stride + at;
    let j = 0;
    for (; j + 4 <= pairs; j += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let w0 = j * K;
      for (let t = 0; t < taps.length; t++) {
        const xo = base + taps[t]!;
        for (let i = 0; i < run; i++, w0++) {
          const v = x[xo + i]!;
          a0 += v * wp[w0]!;
          a1 += v * wp[w0 + K]!;
          a2 += v * wp[w0 + 2 * K]!;
          a3 += v * wp[w0 + 3 * K]!;
        }
      }
      let h = Math.round(a0 / LANE);
      acc[o + 2 * j] = a0 - h * LANE;
      acc[o + 2 * j + 1] = h;
      h = Math.round(a1 / LANE);
      acc[o + 2 * j + 2] = a1 - h * LANE;
      acc[o + 2 * j + 3] = h;
      h = Math.round(a2 / LANE);
      acc[o + 2 * j + 4] = a2 - h * LANE;
      acc[o + 2 * j + 5] = h;
      h = Math.round(a3 / LANE);
      acc[o + 2 * j + 6] = a3 - h * LANE;
      acc[o + 2 * j + 7] = h;
    }
    for (; j < pairs + odd; j++) {
      let a = 0;
      let w0 = j * K;
      for (let t = 0; t < taps.length; t++) {
        const xo = base + taps[t]!;
        for (let i = 0; i < run; i++, w0++) a += x[xo + i]! * wp[w0]!;
      }
      const h = Math.round(a / LANE);
      acc[o + 2 * j] = a - h * LANE;
      if (2 * j + 1 < count) acc[o + 2 * j + 1] = h;
    }
  }
}

/** The same dot products one channel at a time from int8 weights, for K past what a lane holds. */
export function plainDots(
  x: Float64Array,
  layout: DotLayout,
  w: Int8Array,
  count: number,
  acc: Int32Array,
  stride: number,
  at: number,
): void {
  const { bases, taps, run } = layout;
  const K = taps.length * run;
  for (let p = 0; p < bases.length; p++) {
    for (let c = 0; c < count; c++) {
      let a = 0;
      let wo = c * K;
      for (let t = 0; t < taps.length; t++) {
        const xo = bases[p]! + taps[t]!;
        for (let i = 0; i < run; i++) a += x[xo + i]! * w[wo++]!;
      }
      acc[p * stride + at + c] = a;
    }
  }
}
