import type { Node } from '../../ir/graph.js';

/** TFLite `ActivationFunctionType` codes (schema.fbs): the only activations a TFLite op can fuse. */
export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;
export type FusedActivation = Exclude<keyof typeof ACTIVATION, 'NONE'>;

/**
 * The fused activation code a producing op carries, set by src/convert/fuse-activations.ts
 * (node.extra.tfliteFusedActivation).
 */
export const fusedActivationOf = (node: Node): number =>
  ACTIVATION[(node.extra?.tfliteFusedActivation as FusedActivation | undefined) ?? 'NONE'];
