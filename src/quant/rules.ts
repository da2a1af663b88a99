import { attrInt } from '../ir/attrs.js';
import type { Graph, Node } from '../ir/graph.js';

/**
 * How one operator is quantized. `activations` are input slots quantized with activation parameters;
 * `weight` is a constant input quantized symmetric int8 (per channel along `axis` when per-channel is
 * on); `bias` is a constant input stored int32 at s_in * s_w. `output` says where the output parameters
 * come from: its own calibrated range, its input's parameters (ops that move values without changing
 * them), or values the TFLite int8 spec fixes.
 */
export interface QuantRule {
  activations: (node: Node, g: Graph) => number[];
  weight?: (node: Node, g: Graph) => { index: number; axis: number } | undefined;
  bias?: number;
  output: 'calibrated' | 'same-as-input' | { scale: number; zeroPoint: number };
}

const first = () => [0];
const allInputs = (n: Node) => n.inputs.map((_, i) => i).filter((i) => n.inputs[i] !== '');

const conv: QuantRule = {
  activations: first,
  weight: () => ({ index: 1, axis: 0 }),
  bias: 2,
  output: 'calibrated',
};
const passThrough: QuantRule = { activations: first, output: 'same-as-input' };
const calibrated: QuantRule = { activations: first, output: 'calibrated' };

/** Inputs 0 and 1 of a binary op; a constant operand is quantized as a per-tensor weight. */
const binary: QuantRule = {
  activations: (n, g) => [0, 1].filter((i) => !g.initializers.has(n.inputs[i]!)),
  weight: (n, g) => (g.initializers.has(n.inputs[1]!) ? { index: 1, axis: -1 } : undefined),
  output: 'calibrated',
};

// TFLite int8 spec: LOGISTIC and SOFTMAX outputs are scale 1/256, zero point -128; TANH 1/128, 0.
const SIGMOID_OUT = { scale: 1 / 256, zeroPoint: -128 };
const TANH_OUT = { scale: 1 / 128, zeroPoint: 0 };

export const QUANT_RULES: Record<string, QuantRule> = {
  Conv: conv,
  ConvTranspose: { ...conv, weight: () => ({ index: 1, axis: -1 }) },
  Gemm: {
    activations: first,
    weight: (n, g) =>
      g.initializers.has(n.inputs[1]!) ? { index: 1, axis: attrInt(n, 'transB', 0) ? 0 : 1 } : undefined,
    bias: 2,
    output: 'calibrated',
  },
  MatMul: {
    activations: (n, g) => (g.initializers.has(n.inputs[1]!) ? [0] : [0, 1]),
    weight: (n, g) => {
      const w = g.initializers.get(n.inputs[1]!);
      return w && w.dims.length === 2 ? { index: 1, axis: 1 } : undefined;
    },
    output: 'calibrated',
  },
  Add: binary,
  Sub: binary,
  Mul: binary,
  Concat: { activations: allInputs, output: 'calibrated' },
  MaxPool: passThrough,
  AveragePool: passThrough,
  GlobalAveragePool: passThrough,
  ReduceMean: calibrated,
  Relu: passThrough,
  Clip: passThrough,
  LeakyRelu: calibrated,
  PRelu: { activations: first, output: 'calibrated' },
  HardSigmoid: calibrated,
  HardSwish: calibrated,
  Sigmoid: { activations: first, output: SIGMOID_OUT },
  Tanh: { activations: first, output: TANH_OUT },
  Softmax: { activations: first, output: SIGMOID_OUT },
  Resize: passThrough,
  Pad: passThrough,
  Reshape: passThrough,
  Flatten: passThrough,
  Transpose: passThrough,
  Squeeze: passThrough,
  Unsqueeze: passThrough,
  Slice: passThrough,
  Split: passThrough,
  Gather: {
    // An embedding lookup: the table is an int8 weight, the indices stay integers.
    activations: (n, g) => (g.initializers.has(n.inputs[0]!) ? [] : [0]),
    weight: (n, g) => (g.initializers.has(n.inputs[0]!) ? { index: 0, axis: -1 } : undefined),
    output: 'same-as-input',
  },
};

/** Activations that a preceding Conv/Gemm/MatMul/Add absorbs (fused in TFLite, removed by ORT's QDQ fusion). */
export function isFusableActivation(node: Node, g: Graph): boolean {
  if (node.opType === 'Relu') return true;
  if (node.opType !== 'Clip') return false;
  const lo = node.inputs[1]
    ? g.initializers.get(node.inputs[1])?.toFloat32()[0]
    : node.attrs.min?.kind === 'float'
      ? node.attrs.min.value
      : undefined;
  return lo === 0;
}
