import { builtinOf } from '../../tflite/ops/index.js';
/**
 * pow2 on truncating hardware (`--rounding floor`): what the biases of a converted int8 TFLite graph can
 * still carry after each conv/FC has folded its own rounding offset in (params.ts pow2Bias).
 *
 * Ops without a bias truncate too, as the integer executor documents them (src/runtime/integer): ADD, SUB,
 * MUL, MEAN, SUM, AVERAGE_POOL_2D, requantizations and the table ops (HARD_SWISH, LOGISTIC, ...) compute
 * floor(v) where 'nearest' computes v rounded half up, so each leaves its output lower by a predictable
 * amount on average: half a step for a shift (v on a grid of 2^-m) or a continuous v, (D - 1) / 2D for a
 * mean over an odd count D. Such a shift travels on through sums, means and shape ops, and reaches
 * the next conv or FC as an input lower by mu on average, which lowers its accumulator by mu Σw per output
 * channel: raising that layer's bias by mu Σw (in accumulator steps) puts the mean back, as bias
 * correction does for weight rounding (Nagel et al. 2019). Where no conv or FC follows (a model output
 * after a sum or a sigmoid), nothing in the file can carry it.
 *
 * The shift of a MUL's or a table's input is not carried through them (it depends on the other operand's
 * mean and on the function's slope, which a data-free pass does not know); their own truncation is.
 */
import { attrInt } from '../../ir/attrs.js';
import { topoSort, type Graph, type Model, type Node } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { clampInt, INT8_MAX, INT8_MIN, outputShift, type BiasMode } from '../params.js';
import { constantOperand, moveConstant } from './floor-constants.js';

export interface FloorShiftReport {
  /** Conv/FC layers whose bias now also cancels the mean shift of their input. */
  corrected: number;
  /** ADD/SUB constant operands moved to cancel the mean shift of their output (floor-constants.ts). */
  constants: number;
}

/**
 * How much lower floor(v) is than v rounded half up (what 'nearest' computes), on average, for v on a grid
 * of 1/D with the residues equally likely: the share of residues at or past one half, (D - ceil(D/2)) / D
 * steps; half a step for any even D (a shift by k >= 1: D = 2^k), none for integers (D = 1).
 */
const behind = (D: number): number => -(D - Math.ceil(D / 2)) / D;
const truncation = (m: number): number => (m > 0 ? behind(2 ** m) : 0);

/** log2 of a ratio of scales when it is a power of two (float32 scales of one 2^n / input_scale family). */
function log2Of(ratio: number): number | undefined {
  const k = Math.round(Math.log2(ratio));
  return Math.abs(ratio / 2 ** k - 1) < 1e-6 ? k : undefined;
}

/**
 * The pow2 mean floor(Σ ratio / n) of the executor (pow2Averager: Σ 2^i / (n 2^j) in integers): the
 * quotient's fraction takes den / gcd(num, den) values. An unknown count or a ratio that is no power of
 * two: half a step.
 */
function averaged(ratio: number, n: number | undefined): number {
  const e = log2Of(ratio);
  if (e === undefined || !n) return -0.5;
  const num = 2 ** Math.max(0, e);
  const den = n * 2 ** Math.max(0, -e);
  let [a, b] = [num, den];
  while (b) [a, b] = [b, a % b];
  return behind(den / a);
}

/** How many values a MEAN or AVERAGE_POOL_2D output averages (the full window), when known. */
function averagedCount(g: Graph, node: Node): number | undefined {
  if (node.opType === 'AVERAGE_POOL_2D')
    return attrInt(node, 'filter_height', 1) * attrInt(node, 'filter_width', 1);
  if (node.opType !== 'MEAN') return undefined;
  const size = (name: string) => {
    const t = g.typeOf(name);
    const shape = t?.kind === 'tensor' ? t.shape : undefined;
    return shape?.every((d) => typeof d === 'number' && d > 0)
      ? (shape as number[]).reduce((a, d) => a * d, 1)
      : undefined;
  };
  const [x, y] = [size(node.inputs[0]!), size(node.outputs[0]!)];
  return x && y ? x / y : undefined;
}

/** floor(x * ratio): mean error in output steps (a shift by k, or a continuous product). */
const scaled = (ratio: number): number => {
  const k = log2Of(1 / ratio);
  return k === undefined ? -0.5 : truncation(k);
};

const floorShiftOf = (op: string) => builtinOf(op)?.floorShift;

/**
 * A copy of the model whose conv/FC biases also cancel the mean shift that truncating ops without a bias
 * leave in their inputs, and whose ADD/SUB constants cancel the shift of their output (a HardSigmoid's
 * beta: the gate a MUL applies next). `biasMode` says how the hardware adds the bias (B16 before the
 * shift, B8 after). `biases: false` moves the constants alone (floor-measured.ts measures the biases).
 */
export function foldFloorShifts(
  model: Model,
  biasMode: BiasMode,
  { biases = true }: { biases?: boolean } = {},
): { model: Model; report: FloorShiftReport } {
  const g = model.graph.clone();
  const scaleOf = (name: string): number | undefined => {
    const q = g.quantOf(name);
    return q && q.scale.length === 1 ? Math.fround(q.scale[0]!) : undefined;
  };
  // Mean error of each value, in real units (0 where unknown or none).
  const shift = new Map<string, number>();
  const at = (name: string | undefined) => (name ? (shift.get(name) ?? 0) : 0);
  let [corrected, constants] = [0, 0];
  for (const node of topoSort(g)) {
    const out = node.outputs[0];
    if (!out) continue;
    const sOut = scaleOf(out);
    const sIn = scaleOf(node.inputs[0] ?? '');
    if (floorShiftOf(node.opType) === 'biased') {
      const mu = sIn ? at(node.inputs[0]) / sIn : 0;
      if (biases && mu !== 0 && sOut && correctBias(g, node, mu, [sIn!, sOut], biasMode)) corrected++;
      continue;
    }
    if (!sOut) continue;
    const own = ownTruncation(node, sIn, scaleOf(node.inputs[1] ?? ''), sOut, averagedCount(g, node));
    if (own === undefined) continue;
    const mean = own * sOut + carried(node, at, scaleOf);
    const c = constantOperand(g, node);
    if (mean !== 0 && c !== undefined && moveConstant(g, node, c, -mean)) constants++;
    else shift.set(out, mean);
  }
  return { model: { ...model, graph: g }, report: { corrected, constants } };
}

/** The mean error an op's own rounding adds, in output steps; undefined for ops that add none it knows. */
function ownTruncation(
  node: Node,
  sA: number | undefined,
  sB: number | undefined,
  sOut: number,
  count: number | undefined,
): number | undefined {
  const op = node.opType;
  if ((op === 'ADD' || op === 'SUB') && sA && sB) {
    const [i, j] = [log2Of(sOut / sA), log2Of(sOut / sB)];
    return i === undefined || j === undefined ? -0.5 : truncation(Math.max(i, j));
  }
  if (op === 'MUL' && sA && sB) return scaled((sA * sB) / sOut);
  if ((op === 'MEAN' || op === 'AVERAGE_POOL_2D') && sA) return averaged(sA / sOut, count);
  if (op === 'SUM' && sA) return scaled(sA / sOut);
  if (floorShiftOf(op) === 'table') return -0.5;
  if (floorShiftOf(op) === 'exact') {
    return sA && sA !== sOut ? scaled(sA / sOut) : 0;
  }
  return undefined;
}

/** The inputs' mean errors an op passes on to its output, in real units. */
function carried(
  node: Node,
  at: (name: string | undefined) => number,
  scaleOf: (name: string) => number | undefined,
): number {
  const op = node.opType;
  if (op === 'ADD') return at(node.inputs[0]) + at(node.inputs[1]);
  if (op === 'SUB') return at(node.inputs[0]) - at(node.inputs[1]);
  if (op === 'MEAN' || op === 'AVERAGE_POOL_2D') return at(node.inputs[0]);
  if (op === 'SUM') return 0;
  if (op === 'CONCATENATION') {
    const values = node.inputs.filter((v) => scaleOf(v) !== undefined);
    return values.length ? values.reduce((s, v) => s + at(v), 0) / values.length : 0;
  }
  if (op === 'MINIMUM' || op === 'MAXIMUM') return at(node.inputs[0]);
  if (floorShiftOf(op) === 'exact') return at(node.inputs[0]);
  return 0;
}

/**
 * Raises the bias of a conv/FC by mu Σw per output channel (mu: its input's mean error in input steps,
 * negative), in accumulator steps.
 */
function correctBias(
  g: Graph,
  node: Node,
  mu: number,
  scales: [number, number],
  biasMode: BiasMode,
): boolean {
  const w = g.initializers.get(node.inputs[1] ?? '');
  if (!w || w.dtype !== 'int8') return false;
  const channels = g.initializers.get(node.inputs[2] ?? '')?.dims[0] ?? 0;
  const sums = channelSums(w.data as Int8Array, w.dims, node.opType === 'DEPTHWISE_CONV_2D', channels);
  return moveBias(g, node, (c) => -mu * sums[c]!, scales, biasMode);
}

/**
 * Moves a conv/FC's int32 bias by delta(c) accumulator steps per output channel: B16 rounded and clamped
 * to int16, B8 rounded to a whole output step (b8 2^k). False where the node has no int8 weights with
 * scales and an int32 bias of its own.
 */
export function moveBias(
  g: Graph,
  node: Node,
  delta: (c: number) => number,
  [sIn, sOut]: [number, number],
  biasMode: BiasMode,
): boolean {
  const w = g.initializers.get(node.inputs[1] ?? '');
  const bName = node.inputs[2];
  const b = bName ? g.initializers.get(bName) : undefined;
  const wq = w?.quant?.scale.length ? w.quant : undefined;
  if (!w || !b || !bName || b.dtype !== 'int32' || w.dtype !== 'int8' || !wq) return false;
  // A bias other layers read too stays as it is (their inputs may carry other shifts).
  if (g.nodes.filter((n) => n.inputs.includes(bName)).length > 1) return false;
  const values = Int32Array.from(b.data as Int32Array);
  for (let c = 0; c < values.length; c++) {
    if (biasMode === 'B16') {
      values[c] = clampInt(Math.round(values[c]! + delta(c)), -32768, 32767);
      continue;
    }
    const acc = sIn * Math.fround(wq.scale[wq.scale.length === 1 ? 0 : c]!);
    const step = 2 ** outputShift(sOut, acc);
    const b8 = clampInt(Math.round((values[c]! + delta(c)) / step), INT8_MIN, INT8_MAX);
    values[c] = b8 * step;
  }
  const t = new Tensor('int32', b.dims, values);
  t.extra = b.extra;
  t.quant = b.quant;
  g.initializers.set(bName, t);
  return true;
}

/** Σ of each output channel's int8 weights (OHWI filters and FC rows; depthwise [1, H, W, C] by column). */
function channelSums(
  w: Int8Array,
  dims: readonly number[],
  depthwise: boolean,
  channels: number,
): Float64Array {
  const sums = new Float64Array(channels);
  if (depthwise) {
    for (let i = 0; i < w.length; i++) sums[i % channels]! += w[i]!;
    return sums;
  }
  const per = w.length / (dims[0] ?? 1);
  for (let i = 0; i < w.length; i++) sums[Math.floor(i / per)]! += w[i]!;
  return sums;
}
