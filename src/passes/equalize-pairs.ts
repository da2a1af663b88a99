/**
 * Which conv -> conv pairs cross-layer equalization (equalize.ts) can rescale: the second conv is the
 * first one's only reader through positively homogeneous ops, or through a Clip(0, hi) whose per-channel
 * maxima bound the scales; and the pairs skipped, with why. ONNX Conv and TFLite convs alike: their
 * descriptors say which weight axes are the channels (weight-channels.ts).
 */
import type { Graph, GraphIndex, Node } from '../ir/graph.js';
import type { SkippedPair } from './equalize.js';
import {
  inputChannels,
  isOpenClip,
  isPositivelyHomogeneous,
  outputChannels,
  weightChannelsOf,
  type WeightChannels,
} from './weight-channels.js';

/**
 * A conv (or FC) whose weights are being rescaled: W'[o, c] = W[o, c] * colMul[c] / rowDiv[o]. ONNX Conv
 * and TFLite CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED alike: their descriptors say which weight axes
 * are the channels (src/passes/weight-channels.ts).
 */
export interface Layer {
  node: Node;
  w: Float32Array;
  dims: readonly number[];
  channels: WeightChannels;
  rowDiv: Float64Array;
  colMul: Float64Array;
}

export interface Pair {
  first: Layer;
  second: Layer;
  via: string[];
  /** Total scale of each channel so far, and the bounds it must stay in. */
  total: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

interface Found {
  pairs: Pair[];
  skipped: SkippedPair[];
  /** Conv outputs whose Clip blocked a pair for want of maxima. */
  clipped: string[];
}

interface Bounds {
  maxima: Map<string, Float64Array>;
  maxScale: number;
  headroom: number;
}

export function findPairs(g: Graph, index: GraphIndex, { maxima, maxScale, headroom }: Bounds): Found {
  const layers = new Map<Node, Layer>();
  const layerOf = (n: Node) => {
    if (!layers.has(n)) layers.set(n, convLayer(g, index, n)!);
    return layers.get(n)!;
  };
  const found: Found = { pairs: [], skipped: [], clipped: [] };
  for (const node of g.nodes) {
    if (!convLayer(g, index, node)) continue;
    const first = layerOf(node);
    const channels = first.rowDiv.length;
    const lower = new Float64Array(channels).fill(1 / maxScale);
    const upper = new Float64Array(channels).fill(maxScale);
    const via: string[] = [];
    let value = node.outputs[0]!;
    // A TFLite conv's own fused activation: RELU commutes with the scales, RELU6 needs the maxima.
    const clip = first.channels.clip;
    if (clip && !isOpenClip(clip)) {
      const m = maxima.get(value);
      const after = soleReader(index, value);
      if (clip[0] !== 0 || !Number.isFinite(clip[1]) || !(m && m.length === channels)) {
        if (after && convLayer(g, index, after)) {
          const why = `${node.opType}'s fused activation clips to [${clip.join(', ')}]`;
          found.skipped.push({ first: label(node), second: label(after), why });
          if (clip[0] === 0 && Number.isFinite(clip[1])) found.clipped.push(value);
        }
        continue;
      }
      bindToClip(m, clip[1], headroom, lower, upper);
    }
    for (let next = soleReader(index, value); next; next = soleReader(index, value)) {
      const second = next.inputs[0] === value ? convLayer(g, index, next) : undefined;
      if (second) {
        if (second.colMul.length !== channels) break;
        const total = new Float64Array(channels).fill(1);
        found.pairs.push({ first: layerOf(node), second: layerOf(next), via, total, lower, upper });
        break;
      }
      const why = nonHomogeneous(g, index, next, value);
      const hi = why && value === node.outputs[0] ? clipBound(g, index, next) : undefined;
      const m = hi !== undefined ? maxima.get(value) : undefined;
      if (why && !(m && m.length === channels)) {
        const after = next.outputs[0] ? soleReader(index, next.outputs[0]) : undefined;
        if (after && convLayer(g, index, after)) {
          found.skipped.push({ first: label(node), second: label(after), why });
          if (hi !== undefined) found.clipped.push(value);
        }
        break;
      }
      if (m) bindToClip(m, hi!, headroom, lower, upper);
      via.push(next.opType);
      value = next.outputs[0]!;
    }
  }
  return found;
}

/**
 * Keeps Conv1 -> Clip(0, hi) exact on the samples the maxima m come from: a channel that reaches
 * hi / headroom keeps s = 1; any other takes s >= headroom * m_i / hi, so that y_i / s_i stays below
 * hi / headroom.
 */
function bindToClip(
  m: Float64Array,
  hi: number,
  headroom: number,
  lower: Float64Array,
  upper: Float64Array,
): void {
  for (let i = 0; i < m.length; i++) {
    if (m[i]! * headroom >= hi) {
      lower[i] = 1;
      upper[i] = 1;
    } else lower[i] = Math.max(lower[i]!, (m[i]! * headroom) / hi);
  }
}

/** The upper bound of a Clip(0, hi) with 0 < hi < infinity, else undefined. */
function clipBound(g: Graph, index: GraphIndex, node: Node): number | undefined {
  if (node.opType !== 'Clip' || node.domain !== '') return undefined;
  const [lo, hi] = clipBounds(g, index, node);
  return lo === 0 && hi > 0 && Number.isFinite(hi) ? hi : undefined;
}

/**
 * A conv with constant float32 weights and a constant float32 bias (or none), as an unscaled layer: an
 * ONNX Conv, or a TFLite CONV_2D or DEPTHWISE_CONV_2D (FC and Gemm are left alone: their input is rarely
 * a conv's channels).
 */
function convLayer(g: Graph, index: GraphIndex, node: Node): Layer | undefined {
  const channels = weightChannelsOf(node, g);
  const w = channels && g.constant(node.inputs[channels.index] ?? '', index);
  if (!channels || w?.dtype !== 'float32' || w.dims.length < 3) return undefined;
  const b = channels.bias !== undefined ? node.inputs[channels.bias] : undefined;
  const bias = b ? g.constant(b, index) : undefined;
  if (b && (bias?.dtype !== 'float32' || bias.size !== outputChannels(w.dims, channels))) return undefined;
  return {
    node,
    w: w.toFloat32(),
    dims: w.dims,
    channels,
    rowDiv: new Float64Array(outputChannels(w.dims, channels)).fill(1),
    colMul: new Float64Array(inputChannels(w.dims, channels)).fill(1),
  };
}

/** The one node reading `value` (in exactly one slot), when it is not also a graph output. */
function soleReader(index: GraphIndex, value: string): Node | undefined {
  const readers = index.consumers.get(value) ?? [];
  return readers.length === 1 && !index.graphOutputs.has(value) ? readers[0] : undefined;
}

/**
 * Why a node reading `value` does not commute with a positive per-channel scale, or undefined when it
 * does (f(x / s) = f(x) / s channel by channel, and its other inputs do not depend on `value`).
 */
function nonHomogeneous(g: Graph, index: GraphIndex, node: Node, value: string): string | undefined {
  const op = node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
  if (node.inputs[0] !== value || node.outputs.filter(Boolean).length !== 1)
    return `${op} is not channel-wise`;
  if (isPositivelyHomogeneous(node)) return undefined;
  if (op !== 'Clip') return `${op} is not positively homogeneous`;
  const [lo, hi] = clipBounds(g, index, node);
  if ((lo === 0 || lo === -Infinity) && hi === Infinity) return undefined;
  const why = `Clip(${lo}, ${hi}) is not positively homogeneous: channel i would need the bound ${hi} / s_i, and a Clip bound is one value for all channels`;
  return lo === 0 && Number.isFinite(hi)
    ? `${why} (per-channel maxima from calibration would allow it)`
    : why;
}

/** Clip bounds from inputs (opset >= 11) or attributes; absent bounds are infinite. */
function clipBounds(g: Graph, index: GraphIndex, node: Node): [number, number] {
  const read = (slot: number, attr: 'min' | 'max', absent: number) => {
    const name = node.inputs[slot];
    if (name) return g.constant(name, index)?.toFloat32()[0] ?? NaN;
    const a = node.attrs[attr];
    if (a?.kind !== 'float') return absent;
    return Math.abs(a.value) >= 3.4e38 ? absent : a.value;
  };
  return [read(1, 'min', -Infinity), read(2, 'max', Infinity)];
}

export const label = (n: Node) => n.name || n.outputs[0]!;
