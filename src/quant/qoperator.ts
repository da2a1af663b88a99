import { indexGraph, readNames, topoSort, type Graph, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

/**
 * QOperator form of a QDQ graph (--onnx_format qoperator): each DQ -> Conv -> Q becomes one QLinearConv
 * and each DQ -> MatMul -> Q one QLinearMatMul (standard ONNX ops that take and give int8); every other
 * op keeps its QuantizeLinear/DequantizeLinear pairs. The scales are the QDQ graph's, unchanged.
 */
export function toQOperator(qdq: Graph): { graph: Graph; rewritten: number } {
  const g = qdq.clone();
  const index = indexGraph(g);
  const zeros = zeroPointMaker(g);
  let rewritten = 0;
  const replaced = new Map<Node, Node>();
  for (const node of g.nodes) {
    if (node.domain !== '' || (node.opType !== 'Conv' && node.opType !== 'MatMul')) continue;
    const out = index.consumers.get(node.outputs[0]!) ?? [];
    const q = out.length === 1 && out[0]!.opType === 'QuantizeLinear' ? out[0]! : undefined;
    const x = dqInput(index.producer.get(node.inputs[0]!));
    const w = dqInput(index.producer.get(node.inputs[1]!));
    if (!q || !x || !w || index.graphOutputs.has(node.outputs[0]!)) continue;
    const bias = node.inputs[2] ? dqInput(index.producer.get(node.inputs[2])) : undefined;
    if (node.inputs[2] && !bias) continue;
    const wZp = w.inputs[2] ?? zeros(w.inputs[1]!, g.initializers.get(w.inputs[0]!)!.dtype);
    const inputs = [
      x.inputs[0]!,
      x.inputs[1]!,
      x.inputs[2]!,
      w.inputs[0]!,
      w.inputs[1]!,
      wZp,
      q.inputs[1]!,
      q.inputs[2]!,
    ];
    if (bias) inputs.push(bias.inputs[0]!);
    replaced.set(q, {
      ...node,
      name: node.name || q.outputs[0]!,
      opType: node.opType === 'Conv' ? 'QLinearConv' : 'QLinearMatMul',
      inputs,
      outputs: [q.outputs[0]!],
    });
    replaced.set(node, REMOVED);
    rewritten++;
  }
  g.nodes = g.nodes.map((n) => replaced.get(n) ?? n).filter((n) => n !== REMOVED);
  removeUnused(g);
  g.nodes = topoSort(g);
  return { graph: g, rewritten };
}

const REMOVED: Node = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: {} };

/** The DequantizeLinear node when `n` is one. */
function dqInput(n: Node | undefined): Node | undefined {
  return n?.opType === 'DequantizeLinear' && n.domain === '' ? n : undefined;
}

/** QLinear ops need explicit zero points; weights were written without (symmetric), so add zeros. */
function zeroPointMaker(g: Graph) {
  return (scaleName: string, dtype: Tensor['dtype']) => {
    const scale = g.initializers.get(scaleName)!;
    const name = `${scaleName}_zp0`;
    if (!g.initializers.has(name)) {
      g.initializers.set(
        name,
        dtype === 'int32'
          ? new Tensor('int32', scale.dims, new Int32Array(scale.size))
          : new Tensor('int8', scale.dims, new Int8Array(scale.size)),
      );
    }
    return name;
  };
}

/** Drops nodes whose outputs nobody reads (the DQ nodes the fused ops no longer need) and their constants. */
function removeUnused(g: Graph): void {
  for (;;) {
    const used = readNames(g);
    const keep = g.nodes.filter((n) => n.outputs.some((o) => used.has(o)));
    if (keep.length === g.nodes.length) break;
    g.nodes = keep;
  }
  const used = readNames(g);
  for (const name of [...g.initializers.keys()]) if (!used.has(name)) g.initializers.delete(name);
}
