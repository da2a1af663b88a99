import { binMagnitudes } from './bin-magnitudes.js';
import { clipRange, GrowingHistogramObserver, type Range } from './observers.js';

/**
 * A GrowingHistogramObserver fed, per sample, the tensor's min, max and element count and only the
 * magnitudes past a cutoff (the reduced calibration graph, calib-graph.ts), with a bound on everything
 * else: every value not delivered has magnitude at most `below`. Its range grows exactly as the full
 * observer's does (growth depends only on the extremes), and each delivered value lands in the fine bin
 * the full observer puts it in (the same arithmetic, binMagnitudes), so every fine bin past the highest
 * one an undelivered value could fall in (`incomplete`) holds exactly the full observer's count.
 *
 * The percentile threshold only reads the top of the histogram: the first final bin i (from the bottom)
 * whose cumulative count reaches p% of all values, i.e. the highest i with at least (100 - p)% of the
 * values in bins >= i. That needs exact counts above i and a lower bound at i; when the counts known
 * exactly do not reach far enough down, percentileRange says so (undefined) and the caller observes that
 * tensor in full. The sum runs from the top with the element count as total, where the full observer sums
 * its bins from the bottom: the two can differ only where the cumulative count lies within float rounding
 * (1e-12 relative) of the target.
 */
export class TopHistogramObserver extends GrowingHistogramObserver {
  /** Fine bins at or below this index may lack undelivered values; -1: none. */
  private incomplete = -1;

  /**
   * One sample: its extremes and element count, the delivered magnitudes (any order), and the bound on
   * the rest (negative when every value was delivered). `tie`: besides `values`, `tie.count` values
   * equal to `tie.value` (a HardSigmoid's 1s, counted in the graph instead of sent), binned as that many
   * copies of it would be.
   */
  observeTop(
    min: number,
    max: number,
    count: number,
    values: Float32Array,
    below: number,
    tie?: { value: number; count: number },
  ): void {
    if (count === 0) return;
    const mm = this.minmax;
    if (min < mm.min) mm.min = min;
    if (max > mm.max) mm.max = max;
    mm.count += count;
    const n = this.fineBins;
    if (this.limit === 0) {
      this.grow(Math.max(-mm.min, mm.max));
      const inv = this.limit > 0 ? n / this.limit : 0;
      // Apart from the sum: `bins[n - 1] += binMagnitudes(...)` would read the slot before the call.
      const past = binMagnitudes(values, this.bins, inv, scratch()) + this.binTie(tie, inv);
      this.bins[n - 1]! += past;
      this.mark(below, inv);
      return;
    }
    const inv = n / this.limit;
    const past = binMagnitudes(values, this.bins, inv, scratch()) + this.binTie(tie, inv);
    if (!(Math.max(-min, max) * inv >= n)) {
      if (past > 0) throw new RangeError('delivered values past the limit with extremes below it');
      this.mark(below, inv);
      return;
    }
    const before = this.limit;
    this.grow(Math.max(-mm.min, mm.max));
    this.fill(values, inv);
    if (tie && tie.count > 0) this.fillTie(tie, inv);
    // An undelivered value was binned at the old limit and merged, or (past it) at the new one.
    this.mark(below, inv, before / this.limit);
    this.mark(below, n / this.limit);
  }

  /** binMagnitudes' arithmetic for `tie.count` copies of `tie.value`: the count past the last bin. */
  private binTie(tie: { value: number; count: number } | undefined, inv: number): number {
    if (!tie || tie.count === 0) return 0;
    const x = Math.abs(tie.value) * inv;
    if (x >= this.fineBins) return tie.count;
    this.bins[x | 0]! += tie.count;
    return 0;
  }

  /** fill's arithmetic for the tie: re-binned where it lay past the earlier range (`pastOf`). */
  private fillTie(tie: { value: number; count: number }, pastOf: number): void {
    const n = this.fineBins;
    const a = Math.abs(tie.value);
    if (a * pastOf < n) return;
    const x = a * (n / this.limit);
    this.bins[x >= n ? n - 1 : x | 0]! += tie.count;
  }

  protected override grow(top: number): void {
    const before = this.limit;
    super.grow(top);
    if (before > 0 && this.limit > before && this.incomplete >= 0)
      this.incomplete = Math.floor(this.incomplete / (this.limit / before));
  }

  /** Marks the bin a magnitude `below` lands in at `inv` (scaled by `merge` for merged bins). */
  private mark(below: number, inv: number, merge = 1): void {
    if (!(below >= 0)) return;
    const x = below * inv;
    const at = x >= this.fineBins || !Number.isFinite(x) ? this.fineBins - 1 : Math.floor(x);
    this.incomplete = Math.max(this.incomplete, Math.floor(at * merge));
  }

  /** How many values were delivered (binned) so far. */
  delivered(): number {
    let n = 0;
    for (let i = 0; i < this.fineBins; i++) n += this.bins[i]!;
    return n;
  }

  /**
   * A magnitude with at least `count` delivered values at or above it (the lower edge of a fine bin), or
   * -1 when fewer were delivered: values at or below it can no longer be among the `count` largest.
   */
  cutoff(count: number): number {
    if (this.limit === 0) return -1;
    let seen = 0;
    for (let i = this.fineBins - 1; i >= 0; i--) {
      seen += this.bins[i]!;
      if (seen >= count) return (i * this.limit) / this.fineBins;
    }
    return -1;
  }

  /** The percentile range, as observedRange gives it from the full observer; undefined when not known. */
  percentileRange(percentile: number): Range | undefined {
    const range = this.range();
    const top = Math.max(-range.min, range.max);
    if (this.limit === 0 || top === 0) return range;
    const h = this.histogram();
    const last = h.binCount - 1;
    // The highest final bin a fine bin at or below `incomplete` adds to (histogram()'s split).
    let inexact = -1;
    if (this.incomplete >= 0) {
      const fine = this.limit / this.fineBins;
      const lo = (this.incomplete * fine) / h.width;
      const j = Math.floor(lo);
      inexact = j >= last ? last : ((this.incomplete + 1) * fine) / h.width <= j + 1 ? j : j + 1;
    }
    const total = this.minmax.count;
    const target = (total * percentile) / 100;
    let above = 0;
    let i = last;
    while (i > 0 && total - (above + h.bins[i]!) >= target) above += h.bins[i--]!;
    if (i < inexact) return undefined;
    return clipRange(range, (i + 1) * h.width);
  }
}

let ext: Float64Array | undefined;
/** binMagnitudes widens extremes as it goes; the delivered magnitudes' are of no use here. */
function scratch(): Float64Array {
  ext ??= new Float64Array(2);
  ext[0] = Infinity;
  ext[1] = -Infinity;
  return ext;
}
