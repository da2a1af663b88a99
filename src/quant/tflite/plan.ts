import type { Graph, Node } from '../../ir/graph.js';
import type { FloatOp } from '../assign.js';
import { ruleOf, unsupportedBecause } from './rules.js';

export interface TflitePlan {
  /** Nodes that run int8. */
  quantized: Set<Node>;
  /** Float activations (not constants) that int8 nodes read or write, plus the float graph inputs. */
  calibrate: string[];
  /** Nodes that stay float, and why. */
  float: FloatOp[];
  /** Element type of every value the graph declares. */
  dtypes: Map<string, string>;
}

/** Which nodes run int8 and which activations need a calibrated range. */
export function planTflite(g: Graph, exclude: readonly string[]): TflitePlan {
  const dtypes = valueTypes(g);
  const isFloat = (name: string) => dtypes.get(name) === 'float32';
  const quantized = new Set<Node>();
  const float: FloatOp[] = [];
  const tensors = new Set(g.inputs.map((v) => v.name).filter(isFloat));
  for (const node of g.nodes) {
    const label = node.name || node.outputs[0] || node.opType;
    const why = floatBecause(node, g, isFloat, exclude);
    if (why) {
      if (node.outputs.some(isFloat) || node.inputs.some((i) => isFloat(i) && !g.initializers.has(i)))
        float.push({ node: label, op: opLabel(node), why });
      continue;
    }
    quantized.add(node);
    for (const i of ruleOf(node)!.activations(node)) {
      const name = node.inputs[i]!;
      if (!g.initializers.has(name)) tensors.add(name);
    }
    for (const o of node.outputs) if (o) tensors.add(o);
  }
  return { quantized, calibrate: [...tensors], float, dtypes };
}

function floatBecause(
  node: Node,
  g: Graph,
  isFloat: (name: string) => boolean,
  exclude: readonly string[],
): string | undefined {
  if (exclude.includes(node.name) || exclude.includes(node.opType)) return 'excluded by --exclude';
  if (node.opType === 'CUSTOM') return `custom op ${customCode(node)}: no int8 kernel in TFLite`;
  const rule = ruleOf(node);
  if (!rule) return 'no int8 rule for this operator';
  return unsupportedBecause(node, rule, g, isFloat);
}

const customCode = (node: Node): string =>
  node.attrs.custom_code?.kind === 'string' ? node.attrs.custom_code.value : '(unnamed)';

const opLabel = (node: Node): string =>
  node.opType === 'CUSTOM' ? `CUSTOM(${customCode(node)})` : node.opType;

function valueTypes(g: Graph): Map<string, string> {
  const types = new Map<string, string>();
  for (const v of [...g.valueInfo.values(), ...g.inputs, ...g.outputs])
    if (v.type?.kind === 'tensor') types.set(v.name, v.type.dtype);
  for (const [name, t] of g.initializers) types.set(name, t.dtype);
  return types;
}
