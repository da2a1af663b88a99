import { attrInt, attrInts, attrString } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { bnEpsilon } from '../ops/BatchNormalization.js';
import type { RuleContext } from './rewrite.js';

/**
 * Per-channel arithmetic on constant weights, shared by the folding rules. Values are computed in
 * doubles and rounded to float32 once. Only float32 weights are rewritten (other types: rules decline).
 */

export interface Affine {
  /** y = scale[c] * x + shift[c] along the channel axis. */
  scale: Float64Array;
  shift: Float64Array;
}

const isF32 = (t: Tensor | undefined): t is Tensor => t?.dtype === 'float32';

/** BatchNormalization as y = s * x + t: s = gamma / sqrt(var + eps), t = beta - mean * s. */
export function bnAffine(bn: Node, cx: RuleContext): Affine | undefined {
  const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => cx.constant(n));
  const params = [gamma, beta, mean, variance];
  if (!params.every(isF32)) return undefined;
  const c = gamma!.size;
  if (params.some((t) => t!.size !== c)) return undefined;
  const [g, b, m, v] = params.map((t) => t!.toFloat32());
  const eps = bnEpsilon(bn);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = g![i]! / Math.sqrt(v![i]! + eps);
    shift[i] = b![i]! - m![i]! * scale[i]!;
  }
  return { scale, shift };
}

/**
 * The values of a constant that varies at most along `axis` of a tensor of rank `rank` (numpy
 * broadcasting, right-aligned), expanded to `channels` entries; undefined when it varies along another
 * axis or would change the other operand's shape.
 */
export function perChannel(
  t: Tensor,
  rank: number,
  axis: number,
  channels: number,
): Float64Array | undefined {
  if (!isF32(t) || t.dims.length > rank) return undefined;
  const at = axis - (rank - t.dims.length);
  for (let i = 0; i < t.dims.length; i++) {
    if (t.dims[i] !== 1 && !(i === at && t.dims[i] === channels)) return undefined;
  }
  const v = t.toFloat32();
  return Float64Array.from({ length: channels }, (_, c) => (v.length === 1 ? v[0]! : v[c]!));
}

export function f32(dims: readonly number[], values: ArrayLike<number>): Tensor {
  return Tensor.float32(dims, values);
}

/** Conv W [M, C/g, ...k] or ConvTranspose W [C, M/g, ...k]: the output channel of each weight row. */
function outChannelOf(kind: string, w: Tensor, group: number): (row: number, col: number) => number {
  if (kind === 'Conv') return (row) => row;
  const cPerGroup = w.dims[0]! / group;
  const mPerGroup = w.dims[1]!;
  return (row, col) => Math.floor(row / cPerGroup) * mPerGroup + col;
}

/** Weights with every output channel m multiplied by s[m]. */
export function scaleOutputChannels(kind: string, w: Tensor, group: number, s: Float64Array): Tensor {
  const v = w.toFloat32();
  const inner = w.size / (w.dims[0]! * w.dims[1]!);
  const channel = outChannelOf(kind, w, group);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const rc = Math.floor(i / inner);
    out[i] = v[i]! * s[channel(Math.floor(rc / w.dims[1]!), rc % w.dims[1]!)]!;
  }
  return f32(w.dims, out);
}

/** A Conv's (or ConvTranspose's) output channel count. */
export function outChannels(kind: string, w: Tensor, group: number): number {
  return kind === 'Conv' ? w.dims[0]! : w.dims[1]! * group;
}

/** The bias of a Conv/ConvTranspose/Gemm-like node at input 2 (zeros when absent), or undefined if not constant float32. */
export function biasOf(node: Node, cx: RuleContext, channels: number, index = 2): Float64Array | undefined {
  const name = node.inputs[index];
  if (!name) return new Float64Array(channels);
  const b = cx.constant(name);
  if (!isF32(b) || b.size !== channels) return undefined;
  return Float64Array.from(b.toFloat32());
}

/** The constant float32 weight of a Conv/ConvTranspose, with its group, or undefined. */
export function convWeight(node: Node, cx: RuleContext): { w: Tensor; group: number } | undefined {
  const w = cx.constant(node.inputs[1] ?? '');
  if (!isF32(w) || w.dims.length < 3) return undefined;
  return { w, group: attrInt(node, 'group', 1) };
}

/** A copy of `node` with new inputs (and optionally outputs/attrs), same name and domain. */
export function withInputs(node: Node, inputs: string[], outputs = node.outputs, attrs = node.attrs): Node {
  return { ...node, inputs, outputs: [...outputs], attrs: { ...attrs } };
}

/** Whether a Conv pads its input (explicit pads or SAME auto-padding). */
export function padsSomething(conv: Node): boolean {
  const auto = attrString(conv, 'auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return true;
  return auto !== 'VALID' && (attrInts(conv, 'pads') ?? []).some((p) => p !== 0);
}

/**
 * Conv weights [M, C/g, ...k] with input channel c scaled by aff.scale[c], and the bias plus what the
 * shift aff.shift[c] adds through the weights (sum of W * shift), exact where the Conv pads nothing.
 */
export function scaleInputChannels(
  w: Tensor,
  group: number,
  aff: Affine,
  bias: Float64Array,
): { w: Tensor; b: Float64Array } {
  const [m, cg] = [w.dims[0]!, w.dims[1]!];
  const inner = w.size / (m * cg);
  const mPerGroup = m / group;
  const v = w.toFloat32();
  const out = new Float32Array(v.length);
  const b = Float64Array.from(bias);
  for (let i = 0; i < v.length; i++) {
    const row = Math.floor(i / (cg * inner));
    const c = Math.floor(row / mPerGroup) * cg + (Math.floor(i / inner) % cg);
    out[i] = v[i]! * aff.scale[c]!;
    b[row] += v[i]! * aff.shift[c]!;
  }
  return { w: f32(w.dims, out), b };
}
