import type { Graph, Node } from '../../ir/graph.js';
import { perTensor, type QParams } from '../params.js';

/**
 * How a TFLite builtin runs int8 (TFLite 8-bit quantization specification, per-op restrictions).
 * `activations` are the input slots read as int8 activations (a constant there is quantized with
 * activation-style parameters from its values); `weight` is a constant quantized symmetric int8 per
 * axis; `bias` is stored int32 at s_in * s_w. `output` says where the output parameters come from:
 * - 'calibrated': the output's own range;
 * - 'same-as-input': the data input's parameters (the spec requires equal input and output params);
 * - 'same-all': every activation input and the output share one set of parameters;
 * - fixed parameters the spec prescribes.
 */
export interface TfliteQuantRule {
  activations: (node: Node) => number[];
  weight?: { index: number; axis: number };
  bias?: number;
  output: 'calibrated' | 'same-as-input' | 'same-all' | QParams;
}

const first = () => [0];
const binary = () => [0, 1];
const present = (n: Node) => n.inputs.flatMap((v, i) => (v ? [i] : []));

const calibrated: TfliteQuantRule = { activations: first, output: 'calibrated' };
const sameAsInput: TfliteQuantRule = { activations: first, output: 'same-as-input' };
const elementwise: TfliteQuantRule = { activations: binary, output: 'calibrated' };
const sameAll: TfliteQuantRule = { activations: present, output: 'same-all' };

// TFLite int8 spec: LOGISTIC and SOFTMAX outputs are scale 1/256, zero point -128; TANH 1/128, 0.
export const SIGMOID_OUT = perTensor(1 / 256, -128);
export const TANH_OUT = perTensor(1 / 128, 0);

export const TFLITE_QUANT_RULES: Readonly<Record<string, TfliteQuantRule>> = {
  // Filters are OHWI (per-axis dim 0), depthwise filters 1HW(C*M) (per-axis dim 3).
  CONV_2D: { activations: first, weight: { index: 1, axis: 0 }, bias: 2, output: 'calibrated' },
  DEPTHWISE_CONV_2D: { activations: first, weight: { index: 1, axis: 3 }, bias: 2, output: 'calibrated' },
  FULLY_CONNECTED: { activations: first, weight: { index: 1, axis: 0 }, bias: 2, output: 'calibrated' },
  // Inputs: output shape, filter (OHWI), input, optional bias.
  TRANSPOSE_CONV: { activations: () => [2], weight: { index: 1, axis: 0 }, bias: 3, output: 'calibrated' },
  BATCH_MATMUL: elementwise,
  ADD: elementwise,
  SUB: elementwise,
  MUL: elementwise,
  MAXIMUM: { activations: binary, output: 'same-all' },
  MINIMUM: { activations: binary, output: 'same-all' },
  CONCATENATION: sameAll,
  RELU: calibrated,
  RELU6: calibrated,
  LEAKY_RELU: calibrated,
  PRELU: elementwise,
  HARD_SWISH: calibrated,
  EXP: calibrated,
  MEAN: calibrated,
  SUM: calibrated,
  LOGISTIC: { activations: first, output: SIGMOID_OUT },
  SOFTMAX: { activations: first, output: SIGMOID_OUT },
  TANH: { activations: first, output: TANH_OUT },
  AVERAGE_POOL_2D: sameAsInput,
  MAX_POOL_2D: sameAsInput,
  RESHAPE: sameAsInput,
  SQUEEZE: sameAsInput,
  EXPAND_DIMS: sameAsInput,
  TRANSPOSE: sameAsInput,
  PAD: sameAsInput,
  SLICE: sameAsInput,
  STRIDED_SLICE: sameAsInput,
  RESIZE_BILINEAR: sameAsInput,
  RESIZE_NEAREST_NEIGHBOR: sameAsInput,
  GATHER: sameAsInput,
  // Input 0 is the axis; the data is input 1.
  SPLIT: { activations: () => [1], output: 'same-as-input' },
};

/** Ops that a preceding op's int8 output clips for free: that output takes the activation's range. */
export const CLIPPING_ACTIVATIONS = new Set(['RELU', 'RELU6']);

/** The rule for a node, if its op has one. */
export function ruleOf(node: Node): TfliteQuantRule | undefined {
  return node.domain === 'tflite' ? TFLITE_QUANT_RULES[node.opType] : undefined;
}

/** Why a node with a rule cannot run int8 in this graph, or undefined when it can. */
export function unsupportedBecause(
  node: Node,
  rule: TfliteQuantRule,
  g: Graph,
  isFloat: (name: string) => boolean,
): string | undefined {
  if (!node.outputs.filter(Boolean).every(isFloat)) return 'output is not float32';
  if (!rule.activations(node).every((i) => node.inputs[i] && isFloat(node.inputs[i]!)))
    return 'input is not float32';
  if (rule.weight) {
    const w = g.initializers.get(node.inputs[rule.weight.index] ?? '');
    if (!w) return 'weights are not constant';
    if (w.dtype !== 'float32') return `weights are ${w.dtype}, not float32`;
  }
  const bias = rule.bias !== undefined ? node.inputs[rule.bias] : undefined;
  if (bias && g.initializers.get(bias)?.dtype !== 'float32') return 'bias is not a float32 constant';
  return undefined;
}
