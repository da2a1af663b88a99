import type { Graph, Node } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import type { QuantRule } from '../ops/types.js';

export type { QuantRule } from '../ops/types.js';

/**
 * The quantization rule of a default-domain op: the `quant` part of its descriptor in src/ops/<Op>.ts.
 * Undefined: the op has no int8 rule and stays float.
 */
export function quantRule(opType: string): QuantRule | undefined {
  return getOp(opType)?.quant;
}

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
