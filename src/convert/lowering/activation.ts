import { ActivationFunctionType } from '../../formats/tflite/schema.js';
import type { Node } from '../../ir/graph.js';

/**
 * The activations a TFLite op can run fused (its fused_activation_function): RELU, RELU_N1_TO_1 and
 * RELU6. The schema also lists TANH and SIGN_BIT, which TFLite's kernels do not apply as a fused clamp.
 */
export type FusedActivation = Exclude<keyof typeof ActivationFunctionType, 'NONE' | 'TANH' | 'SIGN_BIT'>;

/**
 * The fused activation code a producing op carries, set by src/convert/fuse-activations.ts
 * (node.extra.tfliteFusedActivation).
 */
export const fusedActivationOf = (node: Node): number =>
  ActivationFunctionType[(node.extra?.tfliteFusedActivation as FusedActivation | undefined) ?? 'NONE'];
