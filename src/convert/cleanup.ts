import { indexGraph, type Graph, type GraphIndex, type Node } from '../ir/graph.js';
import { sameParams } from './quant-util.js';

/**
 * Removes what lowering left that computes nothing: a RESHAPE to the shape it already has (ONNX
 * Softmax-1 upgrades leave Flatten/Reshape pairs), and a DEQUANTIZE -> QUANTIZE round trip back to the
 * same parameters. A round trip to other parameters stays: it is the exact way to requantize (spec.ts).
 */
export function cleanup(input: Graph): { graph: Graph; removed: number } {
  const g = input.clone();
  let removed = 0;
  for (let changed = true; changed;) {
    changed = false;
    const index = indexGraph(g);
    for (const node of g.nodes) {
      if (isNoOpReshape(g, node) && replaceValue(g, index, node.outputs[0]!, node.inputs[0]!)) {
        g.nodes = g.nodes.filter((n) => n !== node);
      } else if (!foldRoundTrip(g, index, node)) continue;
      removed++;
      changed = true;
      break;
    }
  }
  return { graph: g, removed };
}

const typeOf = (g: Graph, name: string) =>
  (g.valueInfo.get(name) ?? g.inputs.find((v) => v.name === name) ?? g.outputs.find((v) => v.name === name))
    ?.type;

function isNoOpReshape(g: Graph, node: Node): boolean {
  if (node.opType !== 'RESHAPE' || g.initializers.has(node.inputs[0]!)) return false;
  const [a, b] = [typeOf(g, node.inputs[0]!), typeOf(g, node.outputs[0]!)];
  if (a?.kind !== 'tensor' || b?.kind !== 'tensor' || a.dtype !== b.dtype) return false;
  const same = a.shape?.length === b.shape?.length && a.shape!.every((d, i) => d === b.shape![i]);
  return same && sameParams(g.quantOf(node.inputs[0]!), g.quantOf(node.outputs[0]!));
}

/** DEQUANTIZE(x) -> y -> QUANTIZE -> z, y read only there, z with x's parameters: z is x. */
function foldRoundTrip(g: Graph, index: GraphIndex, q: Node): boolean {
  if (q.opType !== 'QUANTIZE') return false;
  const dq = index.producer.get(q.inputs[0]!);
  if (dq?.opType !== 'DEQUANTIZE' || (index.consumers.get(dq.outputs[0]!) ?? []).length !== 1) return false;
  if (index.graphOutputs.has(dq.outputs[0]!)) return false;
  const x = dq.inputs[0]!;
  const z = q.outputs[0]!;
  if (!sameParams(g.quantOf(x), g.quantOf(z)) || !replaceValue(g, index, z, x)) return false;
  g.nodes = g.nodes.filter((n) => n !== q && n !== dq);
  return true;
}

/**
 * Readers of `from` read `to`. A graph output keeps its name: `to` is renamed instead, which needs `to`
 * to be an op's output and neither a graph input nor another output. Returns false when it cannot.
 */
function replaceValue(g: Graph, index: GraphIndex, from: string, to: string): boolean {
  if (!index.graphOutputs.has(from)) {
    for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
    return true;
  }
  const io = new Set([...g.inputs, ...g.outputs].map((v) => v.name));
  if (!index.producer.has(to) || io.has(to)) return false;
  for (const n of g.nodes) {
    n.inputs = n.inputs.map((i) => (i === to ? from : i));
    n.outputs = n.outputs.map((o) => (o === to ? from : o));
  }
  g.valueInfo.delete(to);
  return true;
}
