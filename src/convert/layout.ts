import { attrInt, attrInts } from '../ir/attrs.js';
import { indexGraph, topoSort, type GraphIndex, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { tfliteLowering } from '../ops/index.js';
import type { LayoutKind } from './lowering/types.js';
import { withParams } from './quant-util.js';
import {
  channelsLast,
  identity,
  isIdentity,
  orderPreserved,
  samePerm,
  stridesOf,
  transposeBetween,
} from './layout-math.js';
import { cloneState, count, type ConvertOptions, type ConvState } from './types.js';

/**
 * NCHW -> NHWC, as data: every value gets a physical layout, decided once, in execution order. Conv and
 * pool inputs are channels-last; layout-agnostic ops (elementwise, concat, pad, slice, reductions)
 * run in the layout their inputs already have, with axes and constants remapped when lowered; ONNX
 * Transposes only relabel the layout (they cost nothing); a reshape is free when the storage keeps the
 * ONNX element order, and a Flatten feeding Gemm/MatMul permutes their weight rows instead. A TRANSPOSE
 * is placed only where a value's layout and its reader's need differ, once per (value, layout).
 */
export function assignLayout(input: ConvState, opts: Pick<ConvertOptions, 'layout'>): ConvState {
  const s = cloneState(input);
  const g = s.graph;
  g.nodes = topoSort(g);
  const index = indexGraph(g);
  const t = new Transposer(s);
  if (opts.layout === 'nhwc') {
    for (const v of g.runtimeInputs())
      if (rankOf(s, v.name) === 4 && !alreadyChannelsLast(v.name, s, index))
        s.perm.set(v.name, channelsLast(4));
  }
  const nodes: Node[] = [];
  for (const node of g.nodes) {
    place(node, layoutKind(node), s, t, index);
    nodes.push(...t.drain(), node);
  }
  g.nodes = nodes;
  restoreOutputs(s, t, opts);
  g.nodes.push(...t.drain());
  return s;
}

/**
 * Whether a 4-D input is NHWC in the ONNX graph itself (TensorFlow-origin models: tf2onnx reads it through
 * Transpose(0, 3, 1, 2), maybe after elementwise preprocessing). Such an input is what --tflite_layout nhwc
 * promises as it is; storing it "channels-last" again would make the .tflite take [N, W, C, H].
 */
function alreadyChannelsLast(v: string, s: ConvState, index: GraphIndex, depth = 0): boolean {
  const readers = index.consumers.get(v) ?? [];
  if (readers.length === 0 || depth > 8) return false;
  return readers.every((n) => {
    if (n.domain === '' && n.opType === 'Transpose') return samePerm(attrInts(n, 'perm') ?? [], [0, 3, 1, 2]);
    const y = n.outputs[0]!;
    return (
      layoutKind(n) === 'agnostic' &&
      n.outputs.length === 1 &&
      rankOf(s, y) === 4 &&
      dataInputs(n, s).length === 1 &&
      alreadyChannelsLast(y, s, index, depth + 1)
    );
  });
}

const rankOf = (s: ConvState, v: string): number => s.types.get(v)?.shape.length ?? 0;
const permOf = (s: ConvState, v: string): number[] => s.perm.get(v) ?? identity(rankOf(s, v));

function layoutKind(node: Node): LayoutKind {
  if (node.domain === 'tflite') return 'agnostic';
  return tfliteLowering(node.opType)?.layout ?? 'logical';
}

const spatialRanks = (node: Node): readonly number[] =>
  (node.domain === '' && tfliteLowering(node.opType)?.spatialRanks) || [4];

/** Non-constant inputs (indices), whose storage the layout decides. */
const dataInputs = (node: Node, s: ConvState): number[] =>
  node.inputs.flatMap((v, i) => (v && !s.graph.initializers.has(v) ? [i] : []));

function place(node: Node, kind: LayoutKind, s: ConvState, t: Transposer, index: GraphIndex): void {
  const data = dataInputs(node, s);
  const want = (i: number, perm: number[]) => (node.inputs[i] = t.ensure(node.inputs[i]!, perm));
  const setOutputs = (perm: (o: string) => number[]) => {
    for (const o of node.outputs) if (o) s.perm.set(o, perm(o));
  };
  const rank = kind === 'spatial' ? rankOf(s, node.outputs[0]!) : 0;
  if (kind === 'spatial' && spatialRanks(node).includes(rank)) {
    for (const i of data) want(i, i === 0 ? channelsLast(rank) : identity(rankOf(s, node.inputs[i]!)));
    return setOutputs((o) => (rankOf(s, o) === rank ? channelsLast(rank) : identity(rankOf(s, o))));
  }
  if (kind === 'alias') return setOutputs(() => aliasPerm(node, permOf(s, node.inputs[0]!)));
  if (kind === 'reshape') {
    const x = node.inputs[0]!;
    const p = permOf(s, x);
    if (!orderPreserved(s.types.get(x)!.shape, p) && !flattenIntoWeights(node, s, index, p))
      want(0, identity(p.length));
    return setOutputs((o) => identity(rankOf(s, o)));
  }
  if (kind === 'agnostic') return placeAgnostic(node, s, data, want, setOutputs);
  for (const i of data) want(i, identity(rankOf(s, node.inputs[i]!)));
  setOutputs((o) => identity(rankOf(s, o)));
}

function placeAgnostic(
  node: Node,
  s: ConvState,
  data: number[],
  want: (i: number, perm: number[]) => void,
  setOutputs: (perm: (o: string) => number[]) => void,
): void {
  const rank = rankOf(s, node.inputs[data[0] ?? 0] ?? '');
  const size = (v: string) => s.types.get(v)!.shape.reduce((a, b) => a * b, 1);
  // Values of one element broadcast the same in any layout; others of another rank force ONNX order.
  const shaped = data.filter((i) => size(node.inputs[i]!) > 1 || rankOf(s, node.inputs[i]!) === rank);
  const mixed = shaped.some((i) => rankOf(s, node.inputs[i]!) !== rank);
  const chosen = mixed
    ? undefined
    : shaped.map((i) => permOf(s, node.inputs[i]!)).find((p) => !isIdentity(p));
  const perm = chosen ?? identity(rank);
  for (const i of shaped) want(i, mixed ? identity(rankOf(s, node.inputs[i]!)) : perm);
  const outputPerm = node.domain === '' ? tfliteLowering(node.opType)?.outputPerm : undefined;
  setOutputs((o) => {
    if (outputPerm) return outputPerm(node, perm, s);
    return rankOf(s, o) === perm.length ? perm : identity(rankOf(s, o));
  });
}

/** Transpose relabels: output physical axis j holds what input physical axis j held. */
function aliasPerm(node: Node, inPerm: number[]): number[] {
  if (node.opType !== 'Transpose') return inPerm;
  const t = attrInts(node, 'perm') ?? identity(inPerm.length).reverse();
  return inPerm.map((a) => t.indexOf(a));
}

/**
 * Flatten/Reshape to [N, K] of a value stored in another order, read only as the data input of
 * Gemm/MatMul with constant 2-D weights: reshaping the stored bytes gives the features in storage order,
 * so the weights' K rows are permuted to match and no TRANSPOSE is needed.
 */
function flattenIntoWeights(node: Node, s: ConvState, index: GraphIndex, perm: number[]): boolean {
  const [x, y] = [node.inputs[0]!, node.outputs[0]!];
  const inShape = s.types.get(x)!.shape;
  const outShape = s.types.get(y)?.shape;
  if (perm[0] !== 0 || outShape?.length !== 2 || outShape[0] !== inShape[0]) return false;
  if (s.graph.outputs.some((v) => v.name === y)) return false;
  const readers = index.consumers.get(y) ?? [];
  const ok = (n: Node) =>
    n.domain === '' &&
    n.inputs[0] === y &&
    n.inputs[1] !== y &&
    s.graph.initializers.get(n.inputs[1]!)?.dims.length === 2 &&
    ((n.opType === 'Gemm' && !attrInt(n, 'transA', 0)) || n.opType === 'MatMul');
  if (readers.length === 0 || !readers.every(ok)) return false;
  const order = storageOrder(inShape, perm);
  for (const n of readers) {
    const w = s.graph.initializers.get(n.inputs[1]!)!;
    const kAxis = n.opType === 'Gemm' && attrInt(n, 'transB', 0) ? 1 : 0;
    const name = `${n.inputs[1]}_rows_${perm.join('')}`;
    s.graph.initializers.set(name, permuteAxis(w, kAxis, order));
    n.inputs[1] = name;
  }
  count(s, 'flatten-folded-into-weights');
  return true;
}

/** order[k'] = the ONNX (row-major) feature index of the k'-th feature in storage order (axis 0 kept). */
function storageOrder(shape: number[], perm: number[]): Int32Array {
  const dims = perm.slice(1).map((a) => shape[a]!);
  const logicalStrides = stridesOf(shape.slice(1));
  const strides = perm.slice(1).map((a) => logicalStrides[a - 1]!);
  const k = dims.reduce((a, b) => a * b, 1);
  const order = new Int32Array(k);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < k; o++) {
    order[o] = idx.reduce((acc, v, j) => acc + v * strides[j]!, 0);
    for (let j = dims.length - 1; j >= 0; j--) {
      if (++idx[j]! < dims[j]!) break;
      idx[j] = 0;
    }
  }
  return order;
}

/** Slices of `t` along `axis` reordered: slice k of the result is slice order[k] of `t`. */
function permuteAxis(t: Tensor, axis: number, order: Int32Array): Tensor {
  const src = t.data as unknown as { length: number; [i: number]: number | bigint; constructor: unknown };
  const out = new (src.constructor as new (n: number) => typeof src)(src.length);
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = t.dims[axis]!;
  for (let i = 0; i < src.length; i++) {
    const j = Math.floor(i / inner) % n;
    out[i] = src[i - j * inner + order[j]! * inner]!;
  }
  const result = new Tensor(t.dtype, t.dims, out as never);
  const q = t.quant;
  if (!q || q.scale.length === 1 || q.axis !== axis) return q ? withParams(result, q) : result;
  const scale = Float64Array.from(order, (k) => q.scale[k]!);
  return withParams(result, { ...q, scale, zeroPoint: Int32Array.from(order, (k) => q.zeroPoint[k]!) });
}

/**
 * Graph outputs leave in ONNX order ('nhwc': 4-D outputs stored channels-last stay so). An output
 * DEQUANTIZE is transposed before, on int8 values, rather than after.
 */
function restoreOutputs(s: ConvState, t: Transposer, opts: Pick<ConvertOptions, 'layout'>): void {
  const index = indexGraph(s.graph);
  for (const v of s.graph.outputs) {
    const perm = permOf(s, v.name);
    if (isIdentity(perm) || (opts.layout === 'nhwc' && samePerm(perm, channelsLast(4)))) continue;
    const dq = index.producer.get(v.name);
    const x = dq?.inputs[0];
    if (dq?.domain === 'tflite' && dq.opType === 'DEQUANTIZE' && index.consumers.get(x!)?.length === 1) {
      dq.inputs[0] = t.ensure(x!, identity(perm.length));
      s.perm.set(v.name, identity(perm.length));
      continue;
    }
    const stored = t.fresh(`${v.name}_stored`);
    for (const n of s.graph.nodes) {
      n.inputs = n.inputs.map((i) => (i === v.name ? stored : i));
      n.outputs = n.outputs.map((o) => (o === v.name ? stored : o));
    }
    for (const m of [s.types, s.quant, s.perm] as Map<string, unknown>[]) {
      if (m.has(v.name)) m.set(stored, m.get(v.name));
    }
    t.transpose(stored, identity(perm.length), v.name);
  }
}

/** Places TRANSPOSE ops, one per (value, layout). */
class Transposer {
  private readonly made = new Map<string, string>();
  private pending: Node[] = [];
  private readonly names: Set<string>;

  constructor(private readonly s: ConvState) {
    const g = s.graph;
    this.names = new Set([...g.initializers.keys(), ...g.inputs.map((v) => v.name), ...s.types.keys()]);
    for (const n of g.nodes) for (const o of n.outputs) this.names.add(o);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  ensure(v: string, target: number[]): string {
    const current = permOf(this.s, v);
    if (samePerm(current, target)) return v;
    const key = `${v}|${target.join(',')}`;
    const known = this.made.get(key);
    if (known) return known;
    const tag = isIdentity(target) ? 'onnx_order' : samePerm(target, channelsLast(4)) ? 'nhwc' : 'perm';
    const name = this.transpose(v, target, this.fresh(`${v}_${tag}`));
    this.made.set(key, name);
    return name;
  }

  /** Emits TRANSPOSE(v) -> out, storing out as `target`. */
  transpose(v: string, target: number[], out: string): string {
    const perm = transposeBetween(permOf(this.s, v), target);
    const permName = `transpose_perm_${perm.join('_')}`;
    this.s.graph.initializers.set(permName, Tensor.int32([perm.length], perm));
    this.pending.push({
      name: out,
      opType: 'TRANSPOSE',
      domain: 'tflite',
      inputs: [v, permName],
      outputs: [out],
      attrs: {},
    });
    this.s.types.set(out, this.s.types.get(v)!);
    const q = this.s.quant.get(v);
    if (q) this.s.quant.set(out, q);
    this.s.perm.set(out, target);
    count(this.s, 'transposes');
    return out;
  }

  drain(): Node[] {
    const nodes = this.pending;
    this.pending = [];
    return nodes;
  }
}
