import { readsOf, type Graph, type Node } from '../ir/graph.js';
import type { Pass, PassStats } from './types.js';

/**
 * Removes nodes whose outputs nothing needs (working back from the graph outputs), initializers nothing
 * reads, and value_info of values that no longer exist. Runtime inputs stay: they are the model's
 * interface, used or not.
 */
export const removeDead: Pass = (input) => {
  const g = input.clone();
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const live = new Set<Node>();
  const needed = new Set<string>();
  const stack = g.outputs.map((v) => v.name);
  // A node with no outputs acts only by its effects (TFLite CALL_ONCE runs an initializer): it stays.
  for (const n of g.nodes) {
    if (n.outputs.length > 0) continue;
    live.add(n);
    stack.push(...readsOf(n));
  }
  while (stack.length) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    const p = producer.get(name);
    if (p && !live.has(p)) {
      live.add(p);
      stack.push(...readsOf(p));
    }
  }
  const stats: PassStats = {};
  const count = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
  g.nodes = g.nodes.filter((n) => live.has(n) || (count('remove-dead-node'), false));
  for (const name of [...g.initializers.keys()]) {
    if (needed.has(name)) continue;
    g.initializers.delete(name);
    g.inputs = g.inputs.filter((v) => v.name !== name);
    count('remove-unused-initializer');
  }
  pruneValueInfo(g);
  return { graph: g, stats };
};

function pruneValueInfo(g: Graph): void {
  const exists = new Set<string>();
  for (const n of g.nodes) for (const o of n.outputs) exists.add(o);
  for (const name of [...g.valueInfo.keys()]) if (!exists.has(name)) g.valueInfo.delete(name);
}
