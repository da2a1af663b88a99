import { attrFloat } from '../ir/attrs.js';
import type { Graph, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { weightChannelsOf } from '../passes/weight-channels.js';
import type { QuantPlan } from './assign.js';
import type { Model } from '../ir/graph.js';
import { measureShifts, shiftTwins, steadyShifts, type ShiftLayer, type ShiftTwins } from './bias-shift.js';
import type { SampleSource } from './calibrate.js';
import type { QuantizedWeight } from './qdq.js';

/**
 * Bias correction (Nagel et al. 2019, section 4.2): rounding weights shifts each output channel's mean by
 * E[conv(x, W_q)] - E[conv(x, W)]; subtracting that shift from the bias restores the float mean. The
 * shift is measured on the calibration samples (bias-shift.ts: the layer's own op with W_q - W), so that
 * kernel taps in zero padding count as reading 0, as they do. The paper's formula, (W_q - W) E[x] with
 * every tap seeing its channel's mean, was what this did before; on a 2-row map under a 3x3 kernel a
 * third of the taps lie in padding, and it moved the bias by the padding taps' share too. Convs of either
 * domain (ONNX Conv, TFLite CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: their descriptors name the weight
 * and bias inputs) and ONNX Gemm.
 */

export interface CorrectedBias {
  node: string;
  /** Largest |shift| over output channels, and the largest |bias| before, for the report. */
  maxShift: number;
  maxBias: number;
}

export interface BiasCorrectionReport {
  corrected: CorrectedBias[];
  /** --bias_correction measured: runs of the QDQ graph over the samples (bias-measured.ts). */
  passes?: number;
  /** --bias_correction measured: layers whose moves were undone, since they took the outputs further from float. */
  undone?: number;
}

/** The bias slot of a Conv/Gemm (either domain) whose bias correctBiases can move; undefined otherwise. */
export const biasSlotOf = (node: Node, g: Graph): number | undefined => slotsOf(node, g)?.bias;

/** The quantized Conv/Gemm layers whose bias a correction can move, with their quantized weights. */
export function correctableLayers(
  g: Graph,
  plan: QuantPlan,
  weights: Map<string, QuantizedWeight>,
): { node: Node; qw: QuantizedWeight }[] {
  const out: { node: Node; qw: QuantizedWeight }[] = [];
  for (const node of g.nodes) {
    const slots = plan.quantized.has(node) ? slotsOf(node, g) : undefined;
    const qw = slots && weights.get(node.inputs[slots.weight] ?? '');
    if (qw) out.push({ node, qw });
  }
  return out;
}

/** The quantized Conv/Gemm layers with their weight error W_q - W, for measureShifts. */
export function shiftLayers(g: Graph, plan: QuantPlan, weights: Map<string, QuantizedWeight>): ShiftLayer[] {
  return correctableLayers(g, plan, weights).map(({ node, qw }) => ({
    node,
    error: weightError(g, qw),
    dims: qw.dims,
  }));
}

/**
 * --bias_correction true, for both inputs (ONNX, and TFLite where `model` is the float TFLite model): each
 * quantized Conv/Gemm's steady weight-rounding shift measured in one pass over the samples, and `g` with
 * the biases lowered by it.
 */
export async function correctWeightRounding(
  model: Model,
  g: Graph,
  plan: QuantPlan,
  weights: Map<string, QuantizedWeight>,
  source: SampleSource,
  signal?: AbortSignal,
): Promise<{ graph: Graph; report: BiasCorrectionReport }> {
  return correctBiases(
    g,
    plan,
    steadyShifts(await measureShifts(model, shiftLayers(g, plan, weights), source, signal)),
  );
}

/**
 * correctWeightRounding in two halves, for a pass over the samples that runs the float model anyway: the
 * float model with each layer's twin beside it (undefined when no layer is corrected), to calibrate with
 * (calibrate.ts `alongside`), and `g` corrected from what the twins observed over that pass. Same shifts,
 * same biases, one run of the model over the samples fewer.
 */
export function weightRoundingTwins(
  model: Model,
  g: Graph,
  plan: QuantPlan,
  weights: Map<string, QuantizedWeight>,
): ShiftTwins | undefined {
  const layers = shiftLayers(g, plan, weights);
  return layers.length ? shiftTwins(model, layers) : undefined;
}

export function correctFromTwins(
  g: Graph,
  plan: QuantPlan,
  twins: ShiftTwins | undefined,
): { graph: Graph; report: BiasCorrectionReport } {
  return correctBiases(g, plan, steadyShifts(twins?.stats() ?? new Map()));
}

/**
 * A copy of `g` where every quantized Conv and Gemm with a measured shift (by its output's name) has its
 * bias (a new initializer, or a new input when it had none) lowered by that shift.
 */
export function correctBiases(
  g: Graph,
  plan: QuantPlan,
  shifts: Map<string, Float64Array>,
): { graph: Graph; report: BiasCorrectionReport } {
  const out = g.clone();
  const names = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) names.add(v);
  const corrected: CorrectedBias[] = [];
  g.nodes.forEach((node, position) => {
    const slots = plan.quantized.has(node) ? slotsOf(node, g) : undefined;
    const shift = shifts.get(node.outputs[0]!);
    const bias = slots && shift && currentBias(node, slots.bias, g, shift.length);
    if (!slots || !shift || !bias) return;
    const beta = node.opType === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
    const next = Float32Array.from(bias, (b, o) => b - shift[o]! / beta);
    const base = node.inputs[slots.bias] || `${node.outputs[0]}_bias`;
    let name = `${base}_bc`;
    for (let i = 1; names.has(name); i++) name = `${base}_bc_${i}`;
    names.add(name);
    out.initializers.set(name, Tensor.float32([next.length], next));
    out.nodes[position]!.inputs[slots.bias] = name;
    corrected.push({
      node: node.name || node.outputs[0]!,
      maxShift: Math.max(...Array.from(shift, Math.abs)),
      maxBias: Math.max(0, ...Array.from(bias, Math.abs)),
    });
  });
  return { graph: out, report: { corrected } };
}

/** The weight and bias inputs of a conv-like layer or an ONNX Gemm; undefined for any other node. */
function slotsOf(node: Node, g: Graph): { weight: number; bias: number } | undefined {
  if (node.domain === '' && node.opType === 'Gemm') return { weight: 1, bias: 2 };
  const c = weightChannelsOf(node, g);
  return c && { weight: c.index, bias: c.bias ?? 2 };
}

/** W_q - W at each flat index, from the float weights and the int8 values with their scales. */
function weightError(g: Graph, qw: QuantizedWeight): Float32Array {
  const w = g.initializers.get(qw.name)!.toFloat32();
  const { scale, axis } = qw.params;
  const inner = axis === undefined ? w.length : qw.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = axis === undefined ? 1 : qw.dims[axis]!;
  // A loop over each channel's run of values, not Float32Array.from with a function per value (PP-OCRv4
  // rec's 2.6 million weights: 0.38 s CPU). The same float32 of the same double per value.
  const error = new Float32Array(w.length);
  for (let start = 0, c = 0; start < w.length; start += inner, c = (c + 1) % channels) {
    const s = scale[axis === undefined ? 0 : c]!;
    const end = Math.min(start + inner, w.length);
    for (let i = start; i < end; i++) error[i] = qw.values[i]! * s - w[i]!;
  }
  return error;
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
