import { binMagnitudes } from './bin-magnitudes.js';

/**
 * Observers collect statistics of one tensor over the calibration samples; range rules turn them into a
 * clipping range. The two are separate (as in ONNX Runtime's calibrate.py): observers never keep the
 * activations themselves, so memory does not grow with the number of samples.
 */
export type CalibMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

export interface Range {
  min: number;
  max: number;
}

export class MinMaxObserver {
  min = Infinity;
  max = -Infinity;
  count = 0;

  observe(data: Float32Array): void {
    extremes[0] = this.min;
    extremes[1] = this.max;
    extendExtremes(data);
    this.min = extremes[0]!;
    this.max = extremes[1]!;
    this.count += data.length;
  }

  range(): Range {
    if (this.count === 0 || !Number.isFinite(this.min) || !Number.isFinite(this.max))
      return { min: 0, max: 0 };
    return { min: Math.min(this.min, 0), max: Math.max(this.max, 0) };
  }
}

/** Channel count and values per channel run: axis 1 (NCHW), or the last axis (channels last). */
function channelAxis(dims: readonly number[], last: boolean): [number, number] {
  if (last) return [dims.at(-1) ?? 1, 1];
  return [dims.length >= 2 ? dims[1]! : 1, dims.slice(2).reduce((a, b) => a * b, 1)];
}

/**
 * Per-channel means of a tensor (channel axis 1: NCHW activations, [N, K] Gemm inputs), for bias
 * correction. Sums are kept in doubles, so memory is one number per channel whatever the sample count.
 */
export class ChannelMeanObserver {
  private sums = new Float64Array(0);
  private count = 0;

  /** `channelsLast`: the channel axis is the last (TFLite's NHWC activations, [N, K] FC inputs). */
  constructor(private readonly channelsLast = false) {}

  observe(data: Float32Array, dims: readonly number[]): void {
    const [channels, inner] = channelAxis(dims, this.channelsLast);
    if (this.sums.length === 0) this.sums = new Float64Array(channels);
    if (channels !== this.sums.length)
      throw new RangeError(`channel count changed: ${this.sums.length} -> ${channels}`);
    let i = 0;
    while (i < data.length) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const end = i + inner; i < end; i++) sum += data[i]!;
        this.sums[c]! += sum;
      }
    }
    this.count += data.length / channels;
  }

  /** Mean per channel; empty when nothing was observed. */
  means(): Float64Array {
    return this.sums.map((s) => s / this.count);
  }
}

/** Per-channel maxima (channel axis 1, or last), for equalizing through a Clip; one number per channel. */
export class ChannelMaxObserver {
  private maxima = new Float64Array(0);

  constructor(private readonly channelsLast = false) {}

  observe(data: Float32Array, dims: readonly number[]): void {
    const [channels, inner] = channelAxis(dims, this.channelsLast);
    if (this.maxima.length === 0) this.maxima = new Float64Array(channels).fill(-Infinity);
    if (channels !== this.maxima.length)
      throw new RangeError(`channel count changed: ${this.maxima.length} -> ${channels}`);
    let i = 0;
    while (i < data.length) {
      for (let c = 0; c < channels; c++) {
        let m = this.maxima[c]!;
        for (const end = i + inner; i < end; i++) if (data[i]! > m) m = data[i]!;
        this.maxima[c] = m;
      }
    }
  }

  result(): Float64Array {
    return this.maxima.slice();
  }
}

/**
 * A histogram of |x| over [0, limit] (symmetric, because pow2 and int8 weights are symmetric and the
 * affine scheme clips min and max from the same histogram of magnitudes, signs kept by the min/max
 * observer). The bins are fixed: calibration fills one from a GrowingHistogramObserver, which needs no
 * limit in advance.
 */
export class HistogramObserver {
  readonly bins: Float64Array;
  readonly width: number;

  constructor(
    readonly limit: number,
    readonly binCount = 2048,
  ) {
    this.bins = new Float64Array(binCount);
    this.width = limit > 0 ? limit / binCount : 1;
  }

  observe(data: Float32Array): void {
    const inv = 1 / this.width;
    const last = this.binCount - 1;
    const bins = this.bins;
    for (let i = 0; i < data.length; i++) {
      const a = Math.abs(data[i]!);
      const b = (a * inv) | 0;
      bins[b > last ? last : b]!++;
    }
  }

  /** The magnitude below which `percentile` % of the values lie. */
  percentile(percentile: number): number {
    const total = this.bins.reduce((s, v) => s + v, 0);
    if (total === 0) return 0;
    const target = (total * percentile) / 100;
    let acc = 0;
    for (let i = 0; i < this.binCount; i++) {
      acc += this.bins[i]!;
      if (acc >= target) return (i + 1) * this.width;
    }
    return this.limit;
  }

  /**
   * The clipping threshold minimising the mean squared error of int8 quantization with `levels`
   * positive levels (127), counting clipping error and rounding error (uniform, step^2/12) per bin.
   */
  mseThreshold(levels = 127): number {
    let best = this.limit;
    let bestErr = Infinity;
    for (let k = 16; k <= this.binCount; k += 4) {
      const t = k * this.width;
      const step = t / levels;
      let err = 0;
      for (let i = 0; i < this.binCount; i++) {
        const n = this.bins[i]!;
        if (n === 0) continue;
        const center = (i + 0.5) * this.width;
        err += center > t ? n * (center - t) ** 2 : (n * step * step) / 12;
      }
      if (err < bestErr) {
        bestErr = err;
        best = t;
      }
    }
    return best;
  }

  /**
   * KL-divergence threshold (TensorRT's entropy calibration): the threshold whose 128-level quantized
   * distribution stays closest to the clipped reference distribution.
   */
  entropyThreshold(levels = 128): number {
    const bins = this.bins;
    let best = this.limit;
    let bestKl = Infinity;
    for (let k = levels; k <= this.binCount; k += 8) {
      const p = Array.from(bins.subarray(0, k));
      let outliers = 0;
      for (let i = k; i < this.binCount; i++) outliers += bins[i]!;
      p[k - 1]! += outliers;
      // Q comes from the histogram without the outliers folded in (TensorRT's method): folding them into
      // Q too makes every small threshold look free and clips most of the range.
      const q = quantizeDistribution(Array.from(bins.subarray(0, k)), levels);
      const kl = klDivergence(p, q);
      if (kl < bestKl) {
        bestKl = kl;
        best = k * this.width;
      }
    }
    return best;
  }
}

/**
 * The min/max and the histogram of |x| of a tensor, gathered in one pass over the samples: the range of
 * the bins grows as larger values arrive, so no earlier pass has to find the maximum first, and memory is
 * `fineBins` numbers whatever the number of samples.
 *
 * How the range grows: the bins cover [0, limit) in `fineBins` equal parts (values at or past the limit
 * count in the last bin). The limit starts as the first nonzero magnitude seen. When a batch holds a
 * larger magnitude m, the limit is multiplied by the smallest power of two 2^k with limit * 2^k >= m, and
 * every run of 2^k neighbouring bins merges into one bin: the new bin i covers exactly the old bins
 * i*2^k .. (i+1)*2^k - 1, so merging moves no count out of the interval it was counted in. Because the
 * limit only doubles when a value passes it, the largest magnitude seen always lies in (limit/2, limit]:
 * at least half of the fine bins lie below it.
 *
 * `histogram()` then re-bins onto `binCount` bins over exactly [0, max |x|], the histogram a min/max pass
 * followed by a filling pass would give, so the clipping rules see the same bins as before. Each fine bin
 * is narrower than a final bin (fineBins / 2 >= binCount), so it overlaps at most two final bins; its
 * count is split between them in proportion to the overlap (values taken as uniform within the fine
 * bin). A count therefore lands at most one fine bin's width from where exact binning would put it.
 */
export class GrowingHistogramObserver {
  readonly minmax = new MinMaxObserver();
  protected bins: Float64Array;
  protected limit = 0;

  constructor(
    readonly binCount = 2048,
    readonly fineBins = 2 * binCount,
  ) {
    if (fineBins < 2 * binCount) throw new RangeError('fineBins must be at least twice binCount');
    this.bins = new Float64Array(fineBins);
  }

  /**
   * One loop over the data bins each value and updates min/max. A value at or past the limit is only
   * counted there; when there were any, the range grows to hold them and a second loop bins just those
   * (values already binned stay valid: growing only merges bins).
   */
  observe(data: Float32Array): void {
    const mm = this.minmax;
    if (this.limit === 0) {
      // Nothing nonzero seen yet: the range has to come from this data before anything can be binned.
      mm.observe(data);
      this.grow(Math.max(-mm.min, mm.max));
      // All of it binned, values at the limit in the last bin (binMagnitudes counts them apart).
      extremes[0] = mm.min;
      extremes[1] = mm.max;
      const inv = this.limit > 0 ? this.fineBins / this.limit : 0;
      const past = binMagnitudes(data, this.bins, inv, extremes);
      this.bins[this.fineBins - 1]! += past;
      return;
    }
    const inv = this.fineBins / this.limit;
    extremes[0] = mm.min;
    extremes[1] = mm.max;
    // Large data is binned again where the range grows (below); small data goes through fill.
    const again = data.length >= AGAIN_MIN ? this.before : undefined;
    again?.set(this.bins);
    const past = binMagnitudes(data, this.bins, inv, extremes);
    mm.min = extremes[0]!;
    mm.max = extremes[1]!;
    mm.count += data.length;
    if (past > 0) {
      const limit = this.limit;
      this.grow(Math.max(-mm.min, mm.max));
      // The limit unchanged (values at it exactly: a HardSigmoid's 1, a ReLU6's 6, on every sample),
      // fill would put each of them in the last bin, as the first sample's branch does: count them there
      // without a second loop over the data (PP-OCRv4 det at 640x640: 445 million values, 3 s CPU).
      if (this.limit === limit) this.bins[this.fineBins - 1]! += past;
      else if (!again) this.fill(data, inv);
      else {
        // Grown: the bins as they were before this sample, merged, and the sample binned again at the
        // new limit (binMagnitudes, not fill's JS loop). The same counts: the new bins-per-unit factor is
        // the old one over a power of two, so floor(|v| * inv / 2^k) = floor(floor(|v| * inv) / 2^k) for
        // the values below the old limit, and those past it land as fill puts them.
        this.bins.set(again);
        this.limit = limit;
        this.grow(Math.max(-mm.min, mm.max));
        const over = binMagnitudes(data, this.bins, this.fineBins / this.limit, scratchExtremes());
        this.bins[this.fineBins - 1]! += over;
      }
    }
  }

  /** The bins before the sample being observed (observe restores them where the range grows). */
  private get before(): Float64Array {
    this.snapshot ??= new Float64Array(this.fineBins);
    return this.snapshot;
  }

  private snapshot: Float64Array | undefined;

  /** The signed range seen (zero included), as MinMaxObserver gives it. */
  range(): Range {
    return this.minmax.range();
  }

  /** The magnitudes seen, on `binCount` bins over [0, max |x|]. */
  histogram(): HistogramObserver {
    const { min, max } = this.range();
    const top = Math.max(-min, max);
    const h = new HistogramObserver(top, this.binCount);
    if (this.limit === 0 || top === 0) {
      // Nothing nonzero seen: every count sits in bin 0, as it would in a fixed histogram.
      h.bins[0] = this.bins.reduce((s, v) => s + v, 0);
      return h;
    }
    const fine = this.limit / this.fineBins;
    const last = this.binCount - 1;
    for (let i = 0; i < this.fineBins; i++) {
      const n = this.bins[i]!;
      if (n === 0) continue;
      const lo = (i * fine) / h.width;
      const hi = ((i + 1) * fine) / h.width;
      const j = Math.floor(lo);
      if (j >= last) h.bins[last]! += n;
      else if (hi <= j + 1) h.bins[j]! += n;
      else {
        const inFirst = (j + 1 - lo) / (hi - lo);
        h.bins[j]! += n * inFirst;
        h.bins[j + 1]! += n * (1 - inFirst);
      }
    }
    return h;
  }

  /** Makes `top` fit below the limit: doubles it as often as needed, merging bins pairwise each time. */
  protected grow(top: number): void {
    if (!(top > this.limit) || !Number.isFinite(top)) return;
    if (this.limit === 0) {
      this.limit = top;
      return;
    }
    let factor = 1;
    while (this.limit * factor < top) factor *= 2;
    // In place, each merged bin summed from 0 in the order of its fine bins (the sums a fresh array
    // accumulating bin by bin gives): bin j reads bins j * factor.. only, none written yet.
    const bins = this.bins;
    const n = this.fineBins;
    let j = 0;
    for (let i = 0; i < n; j++) {
      let sum = 0;
      for (const end = Math.min(i + factor, n); i < end; i++) sum += bins[i]!;
      bins[j] = sum;
    }
    bins.fill(0, j);
    this.limit *= factor;
  }

  /**
   * Bins the values of `data` that were past an earlier, smaller range (`pastOf` its bins-per-unit
   * factor), found by the same arithmetic that found them in observe().
   */
  protected fill(data: Float32Array, pastOf: number): void {
    const n = this.fineBins;
    const inv = this.limit > 0 ? n / this.limit : 0;
    const bins = this.bins;
    for (let i = 0; i < data.length; i++) {
      const a = Math.abs(data[i]!);
      if (a * pastOf < n) continue;
      const x = a * inv;
      bins[x >= n ? n - 1 : x | 0]!++;
    }
  }
}

/**
 * The running minimum and maximum of MinMaxObserver's loop and of binMagnitudes. Slots of a Float64Array,
 * not local variables: V8 (Node 20) kept such locals, updated under a condition, as tagged numbers through
 * the loop, which took 14 to 20 ns per value on ReLU outputs (zeros and positives interleaved) against 2
 * here.
 */
const extremes = new Float64Array(2);

/**
 * Values from which a growing range bins the sample again in binMagnitudes rather than through fill's
 * JS loop (which costs about 3x as much a value, but needs no copy of the bins first).
 */
const AGAIN_MIN = 16384;

const spare = new Float64Array(2);
/** Extremes for a binMagnitudes call whose extremes are known already. */
function scratchExtremes(): Float64Array {
  spare[0] = Infinity;
  spare[1] = -Infinity;
  return spare;
}

/** Widens extremes[0] (min) and extremes[1] (max) to the values of `data`. */
function extendExtremes(data: Float32Array): void {
  const m = extremes;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < m[0]!) m[0] = v;
    if (v > m[1]!) m[1] = v;
  }
}

function quantizeDistribution(p: number[], levels: number): number[] {
  const k = p.length;
  const q = new Array<number>(k).fill(0);
  const per = k / levels;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor(j * per);
    const end = j === levels - 1 ? k : Math.floor((j + 1) * per);
    let sum = 0;
    let nonzero = 0;
    for (let i = start; i < end; i++) {
      sum += p[i]!;
      if (p[i]! > 0) nonzero++;
    }
    if (nonzero === 0) continue;
    for (let i = start; i < end; i++) if (p[i]! > 0) q[i] = sum / nonzero;
  }
  return q;
}

function klDivergence(p: number[], q: number[]): number {
  const ps = p.reduce((s, v) => s + v, 0);
  const qs = q.reduce((s, v) => s + v, 0);
  if (ps === 0 || qs === 0) return Infinity;
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue;
    const pi = p[i]! / ps;
    const qi = q[i]! / qs;
    kl += qi === 0 ? 1e3 : pi * Math.log(pi / qi);
  }
  return kl;
}

/** Clips a min/max range to a magnitude threshold, keeping zero inside. */
export function clipRange(r: Range, threshold: number): Range {
  return { min: Math.max(r.min, -threshold), max: Math.min(r.max, threshold) };
}

/** What calibration keeps per tensor: min/max alone for `minmax`, min/max and a histogram otherwise. */
export type RangeObserver = MinMaxObserver | GrowingHistogramObserver;

export function rangeObserver(method: CalibMethod): RangeObserver {
  return method === 'minmax' ? new MinMaxObserver() : new GrowingHistogramObserver();
}

/** The range `method` takes from what `o` observed: min/max, clipped by the histogram's threshold. */
export function observedRange(o: RangeObserver, method: CalibMethod, percentile: number): Range {
  if (method === 'minmax' || !(o instanceof GrowingHistogramObserver)) return o.range();
  return clipRange(o.range(), histogramThreshold(o.histogram(), method, percentile));
}

/** The clipping threshold a histogram method picks (`percentile`, `mse` or `entropy`). */
export function histogramThreshold(
  h: HistogramObserver,
  method: Exclude<CalibMethod, 'minmax'>,
  percentile: number,
): number {
  if (method === 'percentile') return h.percentile(percentile);
  return method === 'mse' ? h.mseThreshold() : h.entropyThreshold();
}
