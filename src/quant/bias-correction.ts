import { attrFloat, attrInt } from '../ir/attrs.js';
import type { Graph, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import {
  forEachWeight,
  inputChannels,
  weightChannelsOf,
  type WeightChannels,
} from '../passes/weight-channels.js';
import type { QuantPlan } from './assign.js';
import type { QuantizedWeight } from './qdq.js';

/**
 * Bias correction (Nagel et al. 2019, section 4.2): rounding weights shifts each output channel's mean by
 * E[W_q x] - E[W x] = (W_q - W) E[x]. Subtracting that shift from the bias restores the float mean.
 * E[x] per input channel comes from calibration (the per-channel means of each layer's input), so the
 * correction costs no extra pass over the samples. Border effects of padding are neglected, as in the
 * paper: every kernel tap is taken to see the channel mean. Convs of either domain (ONNX Conv, TFLite
 * CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: their descriptors say which weight axes are the channels,
 * and a TFLite graph's means are taken over its last axis) and ONNX Gemm.
 */

export interface CorrectedBias {
  node: string;
  /** Largest |shift| over output channels, and the largest |bias| before, for the report. */
  maxShift: number;
  maxBias: number;
}

export interface BiasCorrectionReport {
  corrected: CorrectedBias[];
}

/** The layers bias correction applies to, and the input tensor whose channel means each one needs. */
export function biasCorrectionInputs(g: Graph, plan: QuantPlan): string[] {
  return [...plan.quantized].filter((n) => layerKind(n, g) !== undefined).map((n) => n.inputs[0]!);
}

/**
 * A copy of `g` where every quantized Conv and Gemm whose input mean is known has its bias (a new
 * initializer, or a new input when it had none) lowered by the shift its weights' rounding causes.
 */
export function correctBiases(
  g: Graph,
  plan: QuantPlan,
  weights: Map<string, QuantizedWeight>,
  means: Map<string, Float64Array>,
): { graph: Graph; report: BiasCorrectionReport } {
  const out = g.clone();
  const names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) names.add(v);
  const corrected: CorrectedBias[] = [];
  g.nodes.forEach((node, position) => {
    const kind = plan.quantized.has(node) ? layerKind(node, g) : undefined;
    const qw = weights.get(node.inputs[kind === 'Gemm' ? 1 : (kind?.index ?? 1)] ?? '');
    const mean = means.get(node.inputs[0]!);
    if (!kind || !qw || !mean) return;
    const shift = kind === 'Gemm' ? gemmShift(node, g, qw, mean) : convShift(kind, g, qw, mean);
    const slot = kind === 'Gemm' ? 2 : (kind.bias ?? 2);
    const bias = shift && currentBias(node, slot, g, shift.length);
    if (!shift || !bias) return;
    const beta = kind === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
    const next = Float32Array.from(bias, (b, o) => b - shift[o]! / beta);
    let name = `${node.inputs[slot] || `${node.outputs[0]}_bias`}_bc`;
    for (let i = 1; names.has(name); i++) name = `${node.inputs[slot] || `${node.outputs[0]}_bias`}_bc_${i}`;
    names.add(name);
    out.initializers.set(name, Tensor.float32([next.length], next));
    out.nodes[position]!.inputs[slot] = name;
    corrected.push({
      node: node.name || node.outputs[0]!,
      maxShift: Math.max(...Array.from(shift, Math.abs)),
      maxBias: Math.max(0, ...Array.from(bias, Math.abs)),
    });
  });
  return { graph: out, report: { corrected } };
}

/** A conv-like layer's channel layout, or 'Gemm'. */
function layerKind(node: Node, g: Graph): WeightChannels | 'Gemm' | undefined {
  // Gemm's A is [M, K] unless transposed; the means are taken along axis 1, so transA = 1 is left alone.
  if (node.domain === '' && node.opType === 'Gemm')
    return attrInt(node, 'transA', 0) === 0 ? 'Gemm' : undefined;
  return weightChannelsOf(node, g);
}

/** W_q - W at flat index i, from the float weights and the int8 values with their scales. */
function weightError(g: Graph, qw: QuantizedWeight): Float64Array {
  const w = g.initializers.get(qw.name)!.toFloat32();
  const { scale, axis } = qw.params;
  const inner = axis === undefined ? w.length : qw.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = axis === undefined ? 1 : qw.dims[axis]!;
  const err = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = axis === undefined ? 0 : Math.floor(i / inner) % channels;
    err[i] = qw.values[i]! * scale[c]! - w[i]!;
  }
  return err;
}

/**
 * A conv's W (output channel o, a group's input channel j, taps k; axes per `c`): shift[o] = sum over j
 * of (sum over k of dW[o, j, k]) * E[x_(group(o) * C/g + j)], each sum in the weight's flat order.
 */
function convShift(
  c: WeightChannels,
  g: Graph,
  qw: QuantizedWeight,
  mean: Float64Array,
): Float64Array | undefined {
  const [m, cPer] = [qw.dims[c.output]!, qw.dims[c.input]!];
  if (mean.length !== inputChannels(qw.dims, c)) return undefined;
  const err = weightError(g, qw);
  const taps = new Float64Array(m * cPer);
  forEachWeight(qw.dims, c, (i, row, cin) => (taps[row * cPer + (cin % cPer)]! += err[i]!));
  const shift = new Float64Array(m);
  for (let o = 0; o < m; o++) {
    const base = Math.floor(o / (m / c.groups)) * cPer;
    let s = 0;
    for (let j = 0; j < cPer; j++) s += taps[o * cPer + j]! * mean[base + j]!;
    shift[o] = s;
  }
  return shift;
}

/** Gemm Y = alpha A B' + beta C, B' = B or B^T: shift[n] = alpha * sum over k of dB'[k, n] * E[a_k]. */
function gemmShift(node: Node, g: Graph, qw: QuantizedWeight, mean: Float64Array): Float64Array | undefined {
  if (qw.dims.length !== 2) return undefined;
  const transB = attrInt(node, 'transB', 0) === 1;
  const [k, n] = transB ? [qw.dims[1]!, qw.dims[0]!] : [qw.dims[0]!, qw.dims[1]!];
  if (mean.length !== k) return undefined;
  const err = weightError(g, qw);
  const alpha = attrFloat(node, 'alpha', 1);
  const shift = new Float64Array(n);
  for (let r = 0; r < qw.dims[0]!; r++) {
    for (let c = 0; c < qw.dims[1]!; c++) {
      const e = err[r * qw.dims[1]! + c]!;
      if (transB) shift[r]! += alpha * e * mean[c]!;
      else shift[c]! += alpha * e * mean[r]!;
    }
  }
  return shift;
}

/** The bias as one value per output channel (zeros when absent), or undefined for other shapes. */
function currentBias(node: Node, slot: number, g: Graph, channels: number): Float32Array | undefined {
  const name = node.inputs[slot];
  if (!name) return new Float32Array(channels);
  if (node.opType === 'Gemm' && attrFloat(node, 'beta', 1) === 0) return undefined;
  const b = g.initializers.get(name);
  if (b?.dtype !== 'float32' || b.size !== channels) return undefined;
  // A Gemm C of [M, N] with M = N would have the right size but another meaning.
  if (b.dims.length > 1 && b.dims.slice(0, -1).some((d) => d !== 1)) return undefined;
  return b.toFloat32();
}
