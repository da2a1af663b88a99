import { int } from '../../ir/attrs.js';
import type { Tensor } from '../../ir/tensor.js';
import { fusedActivationOf } from './activation.js';
import type { LowerContext } from './types.js';
import { biasTensor, scaledWeights, weightTensor } from './weights.js';

/** How an FC op is asked for: weights as ONNX holds them, and whether they are [N, K] already. */
export interface FcSpec {
  weights: Tensor;
  transposed: boolean;
  bias?: Tensor;
  alpha?: number;
  beta?: number;
  keepNumDims?: boolean;
}

/**
 * FULLY_CONNECTED: weights [N, K] (per-axis dimension 0), int32 bias at s_in * s_w. `spec.weights` is
 * the ONNX B: [K, N], or [N, K] when `transposed`.
 */
export function fullyConnected(cx: LowerContext, spec: FcSpec): void {
  const nAxis = spec.transposed ? 0 : 1;
  const n = spec.weights.dims[nAxis]!;
  let weights = weightTensor(cx, spec.weights, spec.transposed ? [0, 1] : [1, 0], nAxis);
  if (spec.alpha !== undefined && spec.alpha !== 1) weights = scaledWeights(weights, spec.alpha);
  const base = cx.node.inputs[1]!;
  const hasBias = spec.bias !== undefined || cx.int8;
  const bias = hasBias
    ? cx.addConstant(`${cx.node.inputs[2] || base}_bias`, biasTensor(cx, spec.bias, n, weights, spec.beta))
    : '';
  cx.emit('FULLY_CONNECTED', [cx.input(0), cx.addConstant(`${base}_nk`, weights), bias], [cx.output(0)], {
    fused_activation_function: int(fusedActivationOf(cx.node)),
    keep_num_dims: int(spec.keepNumDims ? 1 : 0),
  });
}
