import type { Node } from '../../ir/graph.js';
import type { QuantRule } from '../types.js';
import { fixedOutputOf } from '../../tflite/ops/common/int8.js';
import { LOGISTIC } from '../../tflite/ops/LOGISTIC.js';
import { TANH } from '../../tflite/ops/TANH.js';

/**
 * Building blocks for the ops' `quant` rules (see QuantRule in ../types.ts); an op with its own logic
 * writes its rule inline in its file.
 */

/** The data input only. */
export const first = () => [0];

/** Every present input ('' marks an absent optional one). */
export const allInputs = (n: Node) => n.inputs.map((_, i) => i).filter((i) => n.inputs[i] !== '');

/** Ops that move values without changing them: the output keeps its input's parameters. */
export const passThrough: QuantRule = { activations: first, output: 'same-as-input' };

/** One activation input; the output gets its own calibrated range. */
export const calibrated: QuantRule = { activations: first, output: 'calibrated' };

/**
 * Inputs 0 and 1 of a binary op; a constant operand, on either side, is quantized as a per-tensor weight
 * (PP-OCRv4 det writes its learnable affine blocks as Mul(scale, x): a float constant there left the
 * Mul float between DequantizeLinear/QuantizeLinear).
 */
export const binary: QuantRule = {
  activations: (n, g) => [0, 1].filter((i) => !g.initializers.has(n.inputs[i]!)),
  weight: (n, g) => {
    const index = [1, 0].find((i) => g.initializers.has(n.inputs[i]!));
    return index === undefined ? undefined : { index, axis: -1 };
  },
  output: 'calibrated',
};

// The output parameters the TFLite int8 spec fixes, read from the builtins Sigmoid and Tanh lower to
// (Softmax's SOFTMAX has LOGISTIC's: both are outputs in [0, 1]).
export const SIGMOID_OUT = fixedOutputOf(LOGISTIC);
export const TANH_OUT = fixedOutputOf(TANH);
