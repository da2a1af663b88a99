import type { Model } from '../ir/graph.js';
import type { Pass, PassStats } from './types.js';

/**
 * Gives every unnamed node of the main graph a name: its first output's (its op type for a node without
 * outputs), with `_2`, `_3`, ... where another node has that name already.
 *
 * ONNX lets nodes go unnamed (onnx.helper builds them so unless told, and every model of the ONNX backend
 * suite has none), but everything here that picks nodes does so by name: `--exclude` and `--int16`, the
 * dense-model rules (`--dense_int16`, `--dense_finer`), the mixed-precision search and the report's rows.
 * On a graph of unnamed nodes `--max_drop` had nothing it could keep in float ("all 0 quantized ops").
 * The output's name is what a user sees of such a node in Netron, so it is the name they can pass back.
 * Nodes inside `If`/`Loop` bodies keep theirs: nothing selects nodes there.
 */
export const nameNodes: Pass = (input) => {
  const stats: PassStats = {};
  if (input.nodes.every((n) => n.name)) return { graph: input, stats };
  const g = input.clone();
  const taken = new Set(g.nodes.map((n) => n.name).filter(Boolean));
  for (const n of g.nodes) {
    if (n.name) continue;
    const base = n.outputs.find(Boolean) ?? n.opType;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    n.name = name;
    taken.add(name);
    stats['name-node'] = (stats['name-node'] ?? 0) + 1;
  }
  return { graph: g, stats };
};

/** `m` with every node of its main graph named (nameNodes); `m` itself when all are. */
export function withNodeNames(m: Model): Model {
  const { graph } = nameNodes(m.graph, { opset: 0, irVersion: m.irVersion });
  return graph === m.graph ? m : { ...m, graph };
}
