/**
 * Agreement between a reference (float) output and a quantized one. SQNR is 10 log10(signal power /
 * noise power); identical arrays give +Infinity (JSON reports write it as the string "inf").
 */
export interface OutputMetrics {
  sqnrDb: number;
  cosine: number;
  maxAbsError: number;
  meanAbsError: number;
  /** Share of rows whose argmax agrees, for outputs whose last axis is a class score vector. */
  top1Agreement?: number;
}

export class MetricAccumulator {
  private signal = 0;
  private noise = 0;
  private dot = 0;
  private refNorm = 0;
  private outNorm = 0;
  private maxAbs = 0;
  private absSum = 0;
  private count = 0;
  private rows = 0;
  private agreeing = 0;

  /** `classes`: size of the class axis (last dim) when the output is a score vector, else undefined. */
  add(ref: Float32Array, out: Float32Array, classes?: number): void {
    if (ref.length !== out.length)
      throw new RangeError(`output sizes differ: ${ref.length} vs ${out.length}`);
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i]!;
      const o = out[i]!;
      const e = o - r;
      this.signal += r * r;
      this.noise += e * e;
      this.dot += r * o;
      this.refNorm += r * r;
      this.outNorm += o * o;
      const a = Math.abs(e);
      if (a > this.maxAbs) this.maxAbs = a;
      this.absSum += a;
    }
    this.count += ref.length;
    if (classes && classes > 1) {
      for (let row = 0; row + classes <= ref.length; row += classes) {
        this.rows++;
        if (argmax(ref, row, classes) === argmax(out, row, classes)) this.agreeing++;
      }
    }
  }

  result(): OutputMetrics {
    const m: OutputMetrics = {
      sqnrDb: sqnr(this.signal, this.noise),
      cosine:
        this.refNorm === 0 && this.outNorm === 0 ? 1 : this.dot / Math.sqrt(this.refNorm * this.outNorm || 1),
      maxAbsError: this.maxAbs,
      meanAbsError: this.count ? this.absSum / this.count : 0,
    };
    if (this.rows) m.top1Agreement = this.agreeing / this.rows;
    return m;
  }
}

export function sqnr(signalPower: number, noisePower: number): number {
  if (noisePower === 0) return Infinity;
  if (signalPower === 0) return -Infinity;
  return 10 * Math.log10(signalPower / noisePower);
}

function argmax(a: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[start + i]! > a[start + best]!) best = i;
  return best;
}

export function compare(ref: Float32Array, out: Float32Array, classes?: number): OutputMetrics {
  const acc = new MetricAccumulator();
  acc.add(ref, out, classes);
  return acc.result();
}
