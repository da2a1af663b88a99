import type { Graph, Node } from '../../ir/graph.js';
import { TFLITE_BUILTINS, type Int8Rule } from '../../tflite/ops/index.js';
import { perTensor, type QParams } from '../params.js';

/**
 * A builtin's int8 rule (src/tflite/ops/<BUILTIN>.ts) with its fixed output parameters, if any, as the
 * quantizer's QParams.
 */
export interface TfliteQuantRule extends Omit<Int8Rule, 'output'> {
  output: 'calibrated' | 'same-as-input' | 'same-all' | QParams;
}

export const TFLITE_QUANT_RULES: ReadonlyMap<string, TfliteQuantRule> = new Map(
  [...TFLITE_BUILTINS.values()].flatMap(({ name, int8 }) => {
    if (!int8) return [];
    const { output } = int8;
    const rule =
      typeof output === 'object' ? { ...int8, output: perTensor(output.scale, output.zeroPoint) } : int8;
    return [[name, rule as TfliteQuantRule] as const];
  }),
);

/** The rule for a node, if its op has one. */
export function ruleOf(node: Node): TfliteQuantRule | undefined {
  return node.domain === 'tflite' ? TFLITE_QUANT_RULES.get(node.opType) : undefined;
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
