import { indexGraph, readNames, type Graph, type GraphIndex, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { findPairs, label, type Layer, type Pair } from './equalize-pairs.js';
import type { Pass, PassStats } from './types.js';
import { forEachWeight as forEachIndex } from './weight-channels.js';

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
