import type { Graph, Node } from '../ir/graph.js';
import { fusableActivation, getOp } from '../ops/index.js';
import type { QuantRule } from '../ops/types.js';

export type { QuantRule } from '../ops/types.js';

/**
 * The quantization rule of a default-domain op: the `quant` part of its descriptor in src/ops/<Op>.ts.
 * Undefined: the op has no int8 rule and stays float.
 */
export function quantRule(opType: string): QuantRule | undefined {
  return getOp(opType)?.quant;
}

/**
 * An activation that a preceding Conv/Gemm/MatMul/Add absorbs (fused in TFLite, removed by ORT's QDQ
 * fusion): the op's `fusedActivation` (src/ops/), the one answer the converter also uses.
 */
export function isFusableActivation(node: Node, g: Graph): boolean {
  return fusableActivation(node, (name) => g.initializers.get(name)) !== undefined;
}
