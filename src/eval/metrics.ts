/**
 * Agreement between a reference (float) output and a quantized one. SQNR is 10 log10(signal power /
 * noise power); identical arrays give +Infinity (JSON reports write it as the string "inf").
 */
export interface OutputMetrics {
  sqnrDb: number;
  cosine: number;
  maxAbsError: number;
  meanAbsError: number;
  /**
   * Share of rows whose argmax agrees, for outputs whose last axis is a class score vector: [N, classes],
   * or a sequence [N, T, classes] (CTC recognizers, token logits), counted per position.
   */
  top1Agreement?: number;
  /**
   * For a sequence output [N, T, classes]: the text the int8 model reads against the text float reads,
   * both by greedy CTC decoding (ctcGreedy): 1 - (edit distance / float's decoded length), both summed
   * over sequences, i.e. 1 - the int8 model's character error rate taking float's text as the truth. It
   * is the agreement --max_drop and --fail_on_drop read for such outputs (agreementOf): per-position
   * agreement also counts blank-against-blank frames and frames that decode alike, and a recognizer's
   * int8 model that reads every line as float does could still lose points there. Below 0 when the int8
   * model adds more characters than float reads.
   */
  characterAgreement?: number;
}

/**
 * The agreement with float that --max_drop and --fail_on_drop read from an output: the decoded text's
 * (characterAgreement) for a sequence output, else per-row top-1 agreement.
 */
export function agreementOf(m: OutputMetrics): number | undefined {
  return m.characterAgreement ?? m.top1Agreement;
}

/**
 * The size of an output's class axis when its shape reads as scores: [N, classes] or a sequence of them,
 * [N, T, classes]; undefined for anything else (maps, masks, embeddings of rank 4 and up).
 */
export function classAxis(dims: readonly number[]): number | undefined {
  return dims.length === 2 || dims.length === 3 ? dims[dims.length - 1] : undefined;
}

/**
 * The positions per sequence of a sequence output [N, T, classes]; undefined for any other shape, and for
 * T = 1: a "sequence" of one position is a vector (Silero VAD's LSTM state is [2, 1, 128]), whose argmax
 * read as CTC text would be a claim about text the model never writes.
 */
export function sequenceSteps(dims: readonly number[]): number | undefined {
  return dims.length === 3 && dims[1]! > 1 ? dims[1] : undefined;
}

/**
 * The CTC blank: class 0, as PaddleOCR's recognizers (its CTCLabelDecode puts 'blank' first), PyTorch's
 * CTCLoss (blank=0 by default) and TensorFlow 2's ctc_loss (blank_index 0) have it. A model trained with
 * the blank last (Keras' ctc_decode, TF1's ctc_loss) is read with its blank as a character: decoded runs
 * of blank then count as characters, which makes the agreement stricter, never looser.
 */
export const CTC_BLANK = 0;

/**
 * Greedy (best path) CTC decoding of one sequence of per-position classes: repeats merged, then blanks
 * dropped (so a blank between two equal classes keeps both).
 */
export function ctcGreedy(classes: ArrayLike<number>): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i]!;
    if (c !== prev && c !== CTC_BLANK) out.push(c);
    prev = c;
  }
  return out;
}

/**
 * Levenshtein distance (insertions, deletions and substitutions, each 1) between two sequences (class
 * indices here; the benches' code points of rendered text lines).
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * The counts behind an output's agreement with float, for one pair of arrays: rows whose argmax differs
 * (`rowMisses` of `rows`), and what agreementOf reads: for a sequence output (`steps` given) the edit
 * distance between the decoded texts (`misses`) and float's decoded length (`total`), summed over its
 * `sequences`; else the rows again. Undefined when the output has no class axis.
 */
export interface AgreementCounts {
  rows: number;
  rowMisses: number;
  misses: number;
  total: number;
  sequences?: number;
}

export function agreementCounts(
  ref: Float32Array,
  out: Float32Array,
  classes?: number,
  steps?: number,
): AgreementCounts | undefined {
  if (!classes || classes < 2) return undefined;
  const rows = Math.floor(ref.length / classes);
  const [r, o] = [new Int32Array(rows), new Int32Array(rows)];
  let rowMisses = 0;
  for (let row = 0; row < rows; row++) {
    r[row] = argmax(ref, row * classes, classes);
    o[row] = argmax(out, row * classes, classes);
    if (r[row] !== o[row]) rowMisses++;
  }
  if (!steps) return { rows, rowMisses, misses: rowMisses, total: rows };
  let [edits, characters, sequences] = [0, 0, 0];
  for (let s = 0; s + steps <= rows; s += steps) {
    const text = ctcGreedy(r.subarray(s, s + steps));
    edits += editDistance(text, ctcGreedy(o.subarray(s, s + steps)));
    characters += text.length;
    sequences++;
  }
  return { rows, rowMisses, misses: edits, total: characters, sequences };
}

export class MetricAccumulator {
  private signal = 0;
  private noise = 0;
  private dot = 0;
  private outNorm = 0;
  private maxAbs = 0;
  private absSum = 0;
  private count = 0;
  private rows = 0;
  private agreeing = 0;
  private edits = 0;
  private characters = 0;
  private sequences = 0;

  /**
   * `classes`: size of the class axis (last dim) when the output is a score vector, else undefined;
   * `steps`: positions per sequence when the output is a sequence of them ([N, T, classes]).
   */
  add(ref: Float32Array, out: Float32Array, classes?: number, steps?: number): void {
    if (ref.length !== out.length)
      throw new RangeError(`output sizes differ: ${ref.length} vs ${out.length}`);
    const t = totals;
    t[0] = this.signal;
    t[1] = this.noise;
    t[2] = this.dot;
    t[3] = this.outNorm;
    t[4] = this.maxAbs;
    t[5] = this.absSum;
    accumulate(ref, out);
    this.signal = t[0]!;
    this.noise = t[1]!;
    this.dot = t[2]!;
    this.outNorm = t[3]!;
    this.maxAbs = t[4]!;
    this.absSum = t[5]!;
    this.count += ref.length;
    const c = agreementCounts(ref, out, classes, steps);
    if (!c) return;
    this.rows += c.rows;
    this.agreeing += c.rows - c.rowMisses;
    if (c.sequences === undefined) return;
    this.edits += c.misses;
    this.characters += c.total;
    this.sequences += c.sequences;
  }

  /** Root mean square of the reference values seen so far. */
  referenceRms(): number {
    return this.count ? Math.sqrt(this.signal / this.count) : 0;
  }

  result(): OutputMetrics {
    const m: OutputMetrics = {
      sqnrDb: sqnr(this.signal, this.noise),
      cosine:
        this.signal === 0 && this.outNorm === 0 ? 1 : this.dot / Math.sqrt(this.signal * this.outNorm || 1),
      maxAbsError: this.maxAbs,
      meanAbsError: this.count ? this.absSum / this.count : 0,
    };
    if (this.rows) m.top1Agreement = this.agreeing / this.rows;
    // Float reading no character anywhere: any character the int8 model reads is one point of error each.
    if (this.sequences) m.characterAgreement = 1 - this.edits / Math.max(this.characters, 1);
    return m;
  }
}

/**
 * accumulate()'s running totals, in and out: reference power (the signal), noise power, the dot product
 * of reference and output, output power, max |error|, sum |error|.
 */
const totals = new Float64Array(6);

/**
 * The sums of MetricAccumulator.add over one pair of arrays, one value at a time in array order (so
 * bit-identical to summing into the object's fields), but in local variables: a field's read-modify-write
 * per value took 4.7 ns per value, about as long as ONNX Runtime took to compute the value; locals take
 * 2.8. The maximum stays in its typed-array slot: a local updated under a condition was kept as a tagged
 * number by V8 (Node 20) and was slower than the slot.
 */
function accumulate(ref: Float32Array, out: Float32Array): void {
  const t = totals;
  let signal = t[0]!;
  let noise = t[1]!;
  let dot = t[2]!;
  let outNorm = t[3]!;
  let absSum = t[5]!;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const o = out[i]!;
    const e = o - r;
    signal += r * r;
    noise += e * e;
    dot += r * o;
    outNorm += o * o;
    const a = Math.abs(e);
    if (a > t[4]!) t[4] = a;
    absSum += a;
  }
  t[0] = signal;
  t[1] = noise;
  t[2] = dot;
  t[3] = outNorm;
  t[5] = absSum;
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

export function compare(
  ref: Float32Array,
  out: Float32Array,
  classes?: number,
  steps?: number,
): OutputMetrics {
  const acc = new MetricAccumulator();
  acc.add(ref, out, classes, steps);
  return acc.result();
}
