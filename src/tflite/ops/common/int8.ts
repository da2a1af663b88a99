import type { Node } from '../../../ir/graph.js';

/**
 * How a builtin runs int8 (TFLite 8-bit quantization specification, per-op restrictions).
 * `activations` are the input slots read as int8 activations (a constant there is quantized with
 * activation-style parameters from its values); `weight` is a constant quantized symmetric int8 per
 * axis; `bias` is stored int32 at s_in * s_w. `output` says where the output parameters come from:
 * - 'calibrated': the output's own range;
 * - 'same-as-input': the data input's (`activations[0]`) parameters (the spec requires them equal);
 * - 'same-all': every activation input and the output share one set of parameters;
 * - fixed parameters the spec prescribes.
 */
export interface Int8Rule {
  activations: (node: Node) => number[];
  weight?: { index: number; axis: number };
  bias?: number;
  output: 'calibrated' | 'same-as-input' | 'same-all' | FixedParams;
  /** A preceding op's int8 output clips for free here: that output may take this op's range. */
  clips?: boolean;
}

/** Output parameters the spec fixes, whatever the calibrated range. */
export interface FixedParams {
  scale: number;
  zeroPoint: number;
}

/** Outputs in [0, 1] (LOGISTIC, SOFTMAX): scale 1/256, zero point -128. */
export const UNIT_INTERVAL_OUTPUT: FixedParams = { scale: 1 / 256, zeroPoint: -128 };
/** Outputs in [-1, 1] (TANH): scale 1/128, zero point 0. */
export const SIGNED_UNIT_OUTPUT: FixedParams = { scale: 1 / 128, zeroPoint: 0 };

export const dataInput = () => [0];
const binaryInputs = () => [0, 1];
const presentInputs = (n: Node) => n.inputs.flatMap((v, i) => (v ? [i] : []));

export const calibrated: Int8Rule = { activations: dataInput, output: 'calibrated' };
export const sameAsInput: Int8Rule = { activations: dataInput, output: 'same-as-input' };
export const elementwise: Int8Rule = { activations: binaryInputs, output: 'calibrated' };
export const binarySameAll: Int8Rule = { activations: binaryInputs, output: 'same-all' };
export const allSameAll: Int8Rule = { activations: presentInputs, output: 'same-all' };
export const fixedOutput = (params: FixedParams): Int8Rule => ({ activations: dataInput, output: params });
/** A conv or FC: data input 0, weight 1 per axis `axis`, bias 2. */
export const weighted = (axis: number): Int8Rule => ({
  activations: dataInput,
  weight: { index: 1, axis },
  bias: 2,
  output: 'calibrated',
});

/** A builtin's fixed output parameters; throws when the spec fixes none for it. */
export function fixedOutputOf(b: { name: string; int8?: Int8Rule }): FixedParams {
  const output = b.int8?.output;
  if (typeof output !== 'object')
    throw new Error(`TFLite builtins: ${b.name} has no fixed output parameters`);
  return output;
}
