import { indexGraph, readNames, type Graph, type GraphIndex, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import type { Pass, PassStats } from './types.js';
import {
  forEachWeight as forEachIndex,
  inputChannels,
  isOpenClip,
  isPositivelyHomogeneous,
  outputChannels,
  weightChannelsOf,
  type WeightChannels,
} from './weight-channels.js';

/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight Equalization and
 * Bias Correction", section 4.1). For Conv1 -> f -> Conv2 where f is positively homogeneous channel by
 * channel (f(x / s) = f(x) / s for s > 0: ReLU, LeakyRelu, PRelu, pools, nothing), dividing output
 * channel i of Conv1 (weights and bias) by s_i and multiplying input channel i of Conv2 by s_i leaves the
 * function unchanged. s_i = (1 / r2_i) sqrt(r1_i r2_i), r = the channel's weight range (max |w|), makes
 * both ranges sqrt(r1_i r2_i), so one int8 grid (per tensor, or a power of two per channel) fits every
 * channel better. Chains (conv -> dw -> pw -> ...) are swept until the scales stop moving.
 *
 * ReLU6 (Clip(0, 6)) is not positively homogeneous: channel i would need the bound 6 / s_i, and ONNX Clip
 * (like TFLite's fused RELU6) has one bound for all channels. Without statistics such pairs are skipped.
 * Given the per-channel maxima m_i of Conv1's output over the calibration samples (`clipMaxima`), a pair
 * through Clip(0, hi) is equalized under constraints that keep it exact on those samples: a channel
 * that reaches hi keeps s_i = 1; any other may take s_i >= m_i / hi (then y_i / s_i <= hi: the clip stays
 * inactive on it, as it was), with a headroom (`clipHeadroom`) for inputs past the calibrated maxima.
 */

export interface EqualizeOptions {
  /** Sweeps over all pairs at most (the paper iterates to convergence). */
  maxSweeps?: number;
  /** Converged when no channel's scale in a sweep differs from 1 by more than this (relative). */
  tolerance?: number;
  /**
   * Bound on each channel's total scale, s in [1 / maxScale, maxScale]. A near-dead channel (weights ~ 0
   * after BatchNorm folding) would otherwise be scaled up by orders of magnitude, its bias with it, and
   * blow up the per-tensor range of the activation between the layers. Default 16.
   */
  maxScale?: number;
  /** Per-channel maxima of conv outputs read by a Clip(0, hi), by tensor name (see `clipMaximaTensors`). */
  clipMaxima?: Map<string, Float64Array>;
  /**
   * Margin over the calibrated maxima, so that inputs somewhat past them still see the same clip: a
   * channel with m_i * headroom >= hi keeps s_i = 1, others keep y_i / s_i <= hi / headroom. Default 1.25
   * (mobilenet_v1_bn, maxima from 24 samples: exact within 2e-6 of the range on 24 held-out ones; with
   * no headroom, 1.3e-3); 2 with 'pow2-fill'.
   */
  clipHeadroom?: number;
  /** Node names (or op types) left alone: a pair with either conv listed is not equalized. */
  exclude?: string[];
  /**
   * 'balance' (default): Nagel's s_i = sqrt(r1_i / r2_i), iterated; what per-tensor weight grids want.
   * 'pow2-fill': for power-of-two per-channel weight scales, where balancing ranges buys nothing (each
   * channel has its own grid) but a channel's range wastes up to half of its grid (max|w| * 2^f in
   * (63.5, 127]): one sweep in graph order scales each channel of the first conv up by 1 / phi_i, phi_i
   * = max|w_i| / (127 * 2^-f_i), so that its weights fill their grid; its activation grows with it (more
   * of the activation grid used), the second conv's input channel shrinks by phi_i. Bounds (ReLU6) hold.
   * Measured on mobilenet_v1_bn (alpha 0.25), mean output SQNR over one octave of input_scale (8..15):
   * pow2 B16 22.7 -> 23.3 dB with 'pow2-fill', 22.3 with 'balance'; B8 17.1 -> 17.6, 16.4 with
   * 'balance'. At alpha 0.5, with a ReLU6 headroom of 2: B16 25.4 -> 26.0, B8 22.3 -> 22.3.
   */
  objective?: 'balance' | 'pow2-fill';
}

export interface EqualizedPair {
  first: string;
  second: string;
  /** Op types between the two convs (e.g. ['Relu']). */
  via: string[];
  channels: number;
  /** Channels a Clip bound kept at s = 1 (they reach the bound on the calibration samples). */
  pinned: number;
  /** Largest and smallest total scale s applied to a channel of this pair. */
  maxScale: number;
  minScale: number;
}

export interface SkippedPair {
  first: string;
  second: string;
  why: string;
}

export interface EqualizeReport {
  pairs: EqualizedPair[];
  skipped: SkippedPair[];
  sweeps: number;
  converged: boolean;
}

/**
 * A conv (or FC) whose weights are being rescaled: W'[o, c] = W[o, c] * colMul[c] / rowDiv[o]. ONNX Conv
 * and TFLite CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED alike: their descriptors say which weight axes
 * are the channels (src/passes/weight-channels.ts).
 */
interface Layer {
  node: Node;
  w: Float32Array;
  dims: readonly number[];
  channels: WeightChannels;
  rowDiv: Float64Array;
  colMul: Float64Array;
}

interface Pair {
  first: Layer;
  second: Layer;
  via: string[];
  /** Total scale of each channel so far, and the bounds it must stay in. */
  total: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/** Equalizes every eligible Conv -> Conv pair of a float graph; the input graph is left as it was. */
export function equalizeGraph(
  g: Graph,
  opts: EqualizeOptions = {},
): { graph: Graph; report: EqualizeReport } {
  const maxSweeps = opts.maxSweeps ?? 100;
  const tolerance = opts.tolerance ?? 1e-4;
  const index = indexGraph(g);
  const excluded = (n: Node) => !!opts.exclude?.some((e) => e === n.name || e === n.opType);
  const found = findPairs(g, index, {
    maxima: opts.clipMaxima ?? new Map(),
    maxScale: opts.maxScale ?? 16,
    // 'pow2-fill' scales most channels up, so more of them sit near a ReLU6 bound: twice the margin
    // (mobilenet_v1_bn held-out samples stayed exact; with 1.25 they clipped by up to 0.3% of the range).
    headroom: opts.clipHeadroom ?? (opts.objective === 'pow2-fill' ? 2 : 1.25),
  });
  const pairs = found.pairs.filter((p) => !excluded(p.first.node) && !excluded(p.second.node));
  let sweeps = 0;
  let converged = pairs.length === 0;
  if (opts.objective === 'pow2-fill') {
    for (const p of pairs) fillPair(p);
    sweeps = pairs.length ? 1 : 0;
    converged = true;
  }
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    let worst = 0;
    for (const p of pairs) worst = Math.max(worst, equalizePair(p));
    converged = worst <= tolerance;
  }
  const report: EqualizeReport = {
    pairs: pairs.map((p) => ({
      first: label(p.first.node),
      second: label(p.second.node),
      via: p.via,
      channels: p.total.length,
      pinned: p.upper.filter((u, i) => u === p.lower[i]).length,
      maxScale: Math.max(...p.total),
      minScale: Math.min(...p.total),
    })),
    skipped: found.skipped,
    sweeps,
    converged,
  };
  return { graph: pairs.length ? rewrite(g, pairs, index) : g.clone(), report };
}

/** The optimizer-style pass (no statistics: Clip pairs are skipped); stats count the pairs equalized. */
export const equalizeCrossLayer: Pass = (graph) => {
  const { graph: out, report } = equalizeGraph(graph);
  const stats: PassStats = {};
  if (report.pairs.length) stats['equalize-conv-pair'] = report.pairs.length;
  return { graph: out, stats };
};

/** Conv outputs read by a Clip(0, hi) that leads on to a Conv: their per-channel maxima unlock the pair. */
export function clipMaximaTensors(g: Graph): string[] {
  const index = indexGraph(g);
  return findPairs(g, index, { maxima: new Map(), maxScale: Infinity, headroom: 1 }).clipped;
}

/** 'pow2-fill': scales each output channel of the first conv up until its weights fill their pow2 grid. */
function fillPair(p: Pair): void {
  const r1 = rowRanges(p.first);
  for (let i = 0; i < r1.length; i++) {
    if (!(r1[i]! > 0)) continue;
    const phi = r1[i]! / (127 * 2 ** Math.ceil(Math.log2(r1[i]! / 127)));
    const total = Math.min(p.upper[i]!, Math.max(p.lower[i]!, p.total[i]! * phi));
    const s = total / p.total[i]!;
    p.first.rowDiv[i]! *= s;
    p.second.colMul[i]! *= s;
    p.total[i] = total;
  }
}

/** One step for one pair; returns the largest relative change of a scale. */
function equalizePair(p: Pair): number {
  const r1 = rowRanges(p.first);
  const r2 = colRanges(p.second);
  let worst = 0;
  for (let i = 0; i < r1.length; i++) {
    const ideal = r1[i]! > 0 && r2[i]! > 0 ? Math.sqrt(r1[i]! / r2[i]!) : 1;
    const total = Math.min(p.upper[i]!, Math.max(p.lower[i]!, p.total[i]! * ideal));
    const s = total / p.total[i]!;
    p.first.rowDiv[i]! *= s;
    p.second.colMul[i]! *= s;
    p.total[i] = total;
    worst = Math.max(worst, Math.abs(s - 1));
  }
  return worst;
}

/** Maps each flat weight index to its output row and its (global) input channel. */
function forEachWeight(l: Layer, fn: (i: number, row: number, cin: number) => void): void {
  forEachIndex(l.dims, l.channels, fn);
}

function rowRanges(l: Layer): Float64Array {
  const r = new Float64Array(l.rowDiv.length);
  forEachWeight(l, (i, row, cin) => {
    const a = (Math.abs(l.w[i]!) * l.colMul[cin]!) / l.rowDiv[row]!;
    if (a > r[row]!) r[row] = a;
  });
  return r;
}

function colRanges(l: Layer): Float64Array {
  const r = new Float64Array(l.colMul.length);
  forEachWeight(l, (i, row, cin) => {
    const a = (Math.abs(l.w[i]!) * l.colMul[cin]!) / l.rowDiv[row]!;
    if (a > r[cin]!) r[cin] = a;
  });
  return r;
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

function findPairs(g: Graph, index: GraphIndex, { maxima, maxScale, headroom }: Bounds): Found {
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

function rewrite(g: Graph, pairs: Pair[], index: GraphIndex): Graph {
  const out = g.clone();
  const names = new Set<string>([
    ...g.initializers.keys(),
    ...index.producer.keys(),
    ...g.inputs.map((v) => v.name),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const layers = new Set(pairs.flatMap((p) => [p.first, p.second]));
  const replaced: string[] = [];
  for (const l of layers) {
    const node = out.nodes[g.nodes.indexOf(l.node)]!;
    const [wi, bi] = [l.channels.index, l.channels.bias ?? -1];
    const w = new Float32Array(l.w.length);
    forEachWeight(l, (i, row, cin) => (w[i] = (l.w[i]! * l.colMul[cin]!) / l.rowDiv[row]!));
    replaced.push(node.inputs[wi]!);
    node.inputs[wi] = fresh(`${l.node.inputs[wi]}_eq`);
    out.initializers.set(node.inputs[wi], Tensor.float32(l.dims, w));
    if (node.inputs[bi] && l.rowDiv.some((d) => d !== 1)) {
      const b = g.constant(node.inputs[bi], index)!.toFloat32();
      replaced.push(node.inputs[bi]);
      node.inputs[bi] = fresh(`${l.node.inputs[bi]}_eq`);
      out.initializers.set(
        node.inputs[bi],
        Tensor.float32(
          [b.length],
          b.map((v, o) => v / l.rowDiv[o]!),
        ),
      );
    }
  }
  removeUnread(out, replaced);
  return out;
}

/** Drops the replaced initializers nothing reads any more (another node may share a weight). */
function removeUnread(g: Graph, names: string[]): void {
  const read = readNames(g);
  for (const v of g.inputs) read.add(v.name);
  for (const name of names) if (!read.has(name)) g.initializers.delete(name);
}

const label = (n: Node) => n.name || n.outputs[0]!;
