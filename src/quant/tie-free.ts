import type { Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/shapes.js';
import type { QuantPlan } from './assign.js';
import type { SampleSource } from './calibrate.js';
import { INT8_MAX, INT8_MIN, quantizeWeights, type QParams } from './params.js';
import type { QuantizedWeight } from './qdq.js';
import { quantRule } from './rules.js';

/**
 * affine: quantization parameters that keep int8 results off rounding ties, so that LiteRT's int8 kernels
 * and ONNX Runtime running the QDQ graph (float arithmetic between DequantizeLinear and QuantizeLinear)
 * round every value alike.
 *
 * Each int8 result is round(v) for a value v fixed by the integer inputs. The two runtimes compute v with
 * small errors of their own (ORT: float32 sums and products; XNNPACK: a float32 requantization scale for
 * CONV_2D, FULLY_CONNECTED and MUL, 20-bit fixed-point multipliers for ADD), and where v lies within those
 * errors of a half step, or exactly on one, they round it differently: one step apart, a difference that
 * later layers spread and grow (a squeeze-and-excitation block's mean over all positions scales every
 * channel, a 2-class softmax turns a logit step into about three output steps). On PaddleOCR cls that
 * left LiteRT within a step of ORT on 56% of the outputs; with these, bit-equal. Three cases:
 * - Mul, Add, HardSigmoid (tieFreeScale): v takes at most 256 x 256 values, all known when the output
 *   scale is chosen; the scale moves (under 1e-3, relative) to one where none lies near a half.
 * - Conv, Gemm, MatMul (tieFreeWeights): v = acc * s_in * s_w / s_out for an integer accumulator; each
 *   per-channel weight scale grows (at most 1e-3, relative) to make that ratio n/m with m odd.
 * - GlobalAveragePool (meanScale): an output scale of s_in * k / count, k odd.
 */

/** Relative error of v computed in float32 by either runtime (a few roundings of 2^-24 each). */
const FLOAT_ERROR = 1e-6;
/** XNNPACK's int8 ADD multipliers: 20 bits for the larger input/output scale ratio. */
const ADD_MULTIPLIER_ERROR = 2 ** -21;
/** Candidate scales: the calibrated one, then nudged by +-k * STEP, k = 1..TRIES. */
const STEP = 1e-6;
const TRIES = 1000;

export type TieOp = 'Mul' | 'Add';

/** Per-tensor int8 parameters; `values`: the only int8 values the operand takes (a constant's). */
export interface Int8Params {
  scale: number;
  zeroPoint: number;
  values?: readonly number[];
}

const ALL_INT8 = Array.from({ length: INT8_MAX - INT8_MIN + 1 }, (_, i) => INT8_MIN + i);

/**
 * The scale nearest `out.scale` (within TRIES * STEP, relative) at which an int8 `op` of inputs `a` and `b`
 * never meets a rounding tie; `out.scale` itself when none is found.
 */
export function tieFreeScale(op: TieOp, a: Int8Params, b: Int8Params, out: Int8Params): number {
  const [ia, ib] = [centred(a), centred(b)];
  const witnesses: number[] = [];
  const accept = (s: number) =>
    tieFree(op, a.scale, ia, b.scale, ib, { scale: s, zeroPoint: out.zeroPoint }, witnesses);
  if (accept(out.scale)) return out.scale;
  for (let k = 1; k <= TRIES; k++) {
    for (const sign of [1, -1]) {
      const s = Math.fround(out.scale * (1 + sign * k * STEP));
      if (accept(s)) return s;
    }
  }
  return out.scale;
}

/** The operand's int8 values less its zero point. */
const centred = (p: Int8Params) => Float64Array.from(p.values ?? ALL_INT8, (q) => q - p.zeroPoint);

/**
 * Rows (indices into the first operand) where a tie was last found, most recent first, checked before the
 * others: the candidates of one output are scales a few 1e-6 apart, and a row holding a near-tie for one
 * often holds one for the next. Which pair is found first changes nothing but the time (any tie rejects):
 * PP-OCRv4 rec affine, 123 outputs, 12,356 candidates: 147 million pairs checked in order, 82 million so.
 */
const WITNESSES = 8;

/**
 * Whether every value the op can produce inside the int8 range lies clear of a half step: the check over
 * all 256 x 256 operand pairs. It runs for each candidate scale of each Mul/Add/HardSigmoid
 * output (PP-OCRv4 det: ~100 outputs, up to 2,000 candidates each), so it loops over typed arrays of the
 * centred operands, built once per output, with the per-row products and margins hoisted. The rows in
 * `witnesses` go first (see WITNESSES); a row where a tie is found joins them.
 */
function tieFree(
  op: TieOp,
  sa: number,
  ia: Float64Array,
  sb: number,
  ib: Float64Array,
  out: { scale: number; zeroPoint: number },
  witnesses: number[] = [],
): boolean {
  const [ra, rb] = op === 'Mul' ? [(sa * sb) / out.scale, 0] : [sa / out.scale, sb / out.scale];
  const fixed = op === 'Add' ? Math.max(ra, rb) * ADD_MULTIPLIER_ERROR : 0;
  // Values that round into [-128, 127] after the output zero point (one more step either side).
  const [lo, hi] = [INT8_MIN - out.zeroPoint - 1, INT8_MAX - out.zeroPoint + 1];
  const row = { op, ra, rb, fixed, lo, hi, ib };
  for (const x of witnesses) if (rowTies(ia[x]!, row)) return false;
  for (let x = 0; x < ia.length; x++) {
    if (!rowTies(ia[x]!, row)) continue;
    if (!witnesses.includes(x)) {
      witnesses.unshift(x);
      if (witnesses.length > WITNESSES) witnesses.pop();
    }
    return false;
  }
  return true;
}

interface TieRow {
  op: TieOp;
  ra: number;
  rb: number;
  fixed: number;
  lo: number;
  hi: number;
  ib: Float64Array;
}

/** Whether the op of first-operand value `i` with any second-operand value meets a tie (see tieFree). */
function rowTies(i: number, { op, ra, rb, fixed, lo, hi, ib }: TieRow): boolean {
  const rowA = i * ra;
  const rowMargin = Math.abs(i) * fixed + 1e-9;
  for (let y = 0; y < ib.length; y++) {
    const j = ib[y]!;
    const v = op === 'Mul' ? i * j * ra : rowA + j * rb;
    if (v < lo || v > hi) continue;
    const margin = rowMargin + Math.abs(j) * fixed + Math.abs(v) * FLOAT_ERROR;
    const d = v - Math.floor(v) - 0.5;
    if (d <= margin && -d <= margin) return true;
  }
  return false;
}

/**
 * HardSigmoid, min(max(alpha x + beta, 0), 1), runs as an Add of alpha x (x's int8 values at scale
 * alpha * s_x) and beta (a constant, 127 at beta / 127): the Add seen by `tieFreeScale`.
 */
export function hardSigmoidOperands(x: Int8Params, alpha: number, beta: number): [Int8Params, Int8Params] {
  return [
    { scale: alpha * x.scale, zeroPoint: x.zeroPoint },
    { scale: Math.abs(beta) / INT8_MAX, zeroPoint: 0, values: [beta < 0 ? -INT8_MAX : INT8_MAX] },
  ];
}

/**
 * The output scale of a mean of `count` int8 values at `inScale`: inScale * k / count with k the smallest
 * odd integer whose scale covers `calibrated`. The result is then round((sum - count * z_in) / k) + z_out:
 * for odd k never a tie, and at least 1/(2k) of a step from one, where the input's own scale (k = count)
 * puts every mean with a remainder of count/2 exactly on a tie. Undefined when no such k <= count exists.
 */
export function meanScale(inScale: number, count: number, calibrated: number): number | undefined {
  let k = Math.max(1, Math.ceil((count * calibrated) / inScale - 1e-9));
  if (k % 2 === 0) k++;
  return k <= count ? (inScale * k) / count : undefined;
}

/** How much coarser a weight scale may become to put its channel on a tie-free grid (relative). */
const WEIGHT_SCALE_TOLERANCE = 1e-3;
/** Denominators tried at most (a grid finer than 1/2^20 would no longer clear float error). */
const MAX_DENOMINATOR = 2 ** 20;

/**
 * The fraction n/m in [r, r * (1 + WEIGHT_SCALE_TOLERANCE)] with the smallest odd m, or undefined when
 * m would exceed MAX_DENOMINATOR. A Conv, Gemm or MatMul output is round(acc * r) for an integer
 * accumulator acc (bias included) and r = s_in * s_w / s_out: with r = n/m, acc * r lies on a grid of
 * 1/m, which for odd m holds no half; the nearest half is 1/(2m) away. A random r has such an m near
 * 2 / sqrt(r * tolerance): for r = 1e-3, m near 2000 and ties at least 2.5e-4 of a step away, far beyond
 * the float error of either runtime (ORT's float32 convolution: about 1e-6 of a step).
 */
export function oddFraction(r: number): { n: number; m: number } | undefined {
  if (!(r > 0)) return undefined;
  const hi = r * (1 + WEIGHT_SCALE_TOLERANCE);
  for (let m = 1; m <= MAX_DENOMINATOR; m += 2) {
    const n = Math.ceil(r * m);
    if (n <= hi * m) return { n, m };
  }
  return undefined;
}

/**
 * affine: each Conv, Gemm and MatMul weight (read by that node alone) with per-channel scales moved up
 * by at most WEIGHT_SCALE_TOLERANCE to s_w = (n/m) * s_out / s_in with m odd (oddFraction), requantized:
 * then the node's output never meets a rounding tie. Run after the activations have their parameters.
 */
export function tieFreeWeights(
  g: Graph,
  plan: QuantPlan,
  weights: Map<string, QuantizedWeight>,
  acts: Map<string, QParams>,
): void {
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const node of plan.quantized) {
    const rule = quantRule(node.opType);
    if (!rule?.accumulates) continue;
    const w = rule.weight?.(node, g);
    const name = w && node.inputs[w.index]!;
    const qw = name ? weights.get(name) : undefined;
    const [pin, pout] = [acts.get(node.inputs[0]!), acts.get(node.outputs[0]!)];
    if (!name || !qw || !pin || !pout || readers.get(name) !== 1 || pout.scale.length !== 1) continue;
    const [sIn, sOut] = [pin.scale[0]!, pout.scale[0]!];
    const scale = qw.params.scale.map((sw) => {
      const f = oddFraction((sIn * sw) / sOut);
      return f ? ((f.n / f.m) * sOut) / sIn : sw;
    });
    const t = g.initializers.get(name)!;
    const values = quantizeWeights(t.toFloat32(), t.dims, scale, qw.params.axis);
    weights.set(name, { ...qw, values, params: { ...qw.params, scale } });
  }
}

/**
 * Input elements per output element of each quantized 'mean' op (GlobalAveragePool: the spatial size),
 * at the shapes of the first calibration sample; ops whose shapes stay unknown are left out.
 */
export async function meanCounts(
  g: Graph,
  plan: QuantPlan,
  source: SampleSource,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const means = [...plan.quantized].filter((n) => quantRule(n.opType)?.output === 'mean');
  if (means.length === 0) return out;
  let dims: Map<string, readonly number[]> | undefined;
  for await (const feeds of source.samples()) {
    dims = new Map(Object.entries(feeds).map(([k, t]) => [k, t.dims]));
    break;
  }
  if (!dims) return out;
  const concrete = g.clone();
  concrete.inputs = concrete.inputs.map((v) => {
    const d = dims.get(v.name);
    return d && v.type?.kind === 'tensor' ? { ...v, type: { ...v.type, shape: [...d] } } : v;
  });
  const types = inferTypes(concrete);
  const size = (name: string) => {
    const t = types.get(name);
    const shape = t?.kind === 'tensor' ? t.shape : undefined;
    if (!shape || !shape.every((d) => typeof d === 'number' && d > 0)) return undefined;
    return (shape as number[]).reduce((a, b) => a * b, 1);
  };
  for (const n of means) {
    const [i, o] = [size(n.inputs[0]!), size(n.outputs[0]!)];
    if (i && o && i % o === 0) out.set(n.outputs[0]!, i / o);
  }
  return out;
}
