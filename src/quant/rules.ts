import type { Graph, Node } from '../ir/graph.js';
import { fusableActivation, getOp } from '../ops/index.js';
import type { QuantRule } from '../ops/types.js';
import { TFLITE_BUILTINS } from '../tflite/ops/index.js';

export type { QuantRule } from '../ops/types.js';

/**
 * The quantization rule of a default-domain op: the `quant` part of its descriptor in src/ops/<Op>.ts.
 * Undefined: the op has no int8 rule and stays float.
 */
export function quantRule(opType: string): QuantRule | undefined {
  return getOp(opType)?.quant;
}

/** TFLite builtins' int8 rules (src/tflite/ops/<BUILTIN>.ts) in the quantizer's form. */
export const TFLITE_QUANT_RULES: ReadonlyMap<string, QuantRule> = new Map(
  [...TFLITE_BUILTINS.values()].flatMap(({ name, int8 }) => {
    if (!int8) return [];
    const { weight } = int8;
    const rule: QuantRule = {
      activations: (node) => int8.activations(node),
      ...(weight ? { weight: () => weight } : {}),
      ...(int8.bias !== undefined ? { bias: int8.bias } : {}),
      output: int8.output,
    };
    return [[name, rule] as const];
  }),
);

/** The rule of a node in either domain (an ONNX op's descriptor, a TFLite builtin's), if its op has one. */
export function quantRuleOf(node: Node): QuantRule | undefined {
  if (node.domain === 'tflite') return TFLITE_QUANT_RULES.get(node.opType);
  return node.domain === '' ? quantRule(node.opType) : undefined;
}

/**
 * An activation that a preceding Conv/Gemm/MatMul/Add absorbs (fused in TFLite, removed by ORT's QDQ
 * fusion): the op's `fusedActivation` (src/ops/), the one answer the converter also uses; for a TFLite
 * builtin, its int8 rule's `clips` (RELU, RELU6).
 */
export function isFusableActivation(node: Node, g: Graph): boolean {
  if (node.domain === 'tflite') return !!TFLITE_BUILTINS.get(node.opType)?.int8?.clips;
  return fusableActivation(node, (name) => g.initializers.get(name)) !== undefined;
}
