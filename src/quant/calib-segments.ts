import { opsetVersion, readsOf, topoSort, type Model, type Node, type ValueInfo } from '../ir/graph.js';
import { inferTypes } from '../ir/shapes.js';
import { elementTypes } from './dtypes.js';

/**
 * One part of a model cut in the order it computes: its own model, whose inputs are the values it reads
 * from the model's inputs or from earlier segments, and whose outputs are `carry` (what later segments
 * or the model's outputs read).
 */
export interface Segment {
  model: Model;
  /** Values the segment reads that an earlier segment computes or the model is fed. */
  inputs: string[];
  /** Values the segment computes that later segments or the model's outputs read. */
  carry: string[];
  /** Values the segment's nodes compute. */
  computes: Set<string>;
}

/**
 * `model` cut into segments in topological order, each computing at most `budget` of `cost` (the values a
 * caller fetches from its outputs; a single node costing more is a segment of its own), or one segment
 * when no cut is needed. Each segment runs alone: fed its `inputs`, it computes what the model computes
 * for its nodes. Its inputs are typed as the model declares or infers them (symbolic dims kept), so that
 * ONNX Runtime plans their kernels as for the whole graph.
 */
export function segmentModel(model: Model, cost: (name: string) => number, budget: number): Segment[] {
  const g = model.graph;
  const parts: Node[][] = [[]];
  let spent = 0;
  for (const node of topoSort(g)) {
    const c = node.outputs.reduce((s, o) => s + (o ? cost(o) : 0), 0);
    if (spent + c > budget && parts.at(-1)!.length) {
      parts.push([]);
      spent = 0;
    }
    parts.at(-1)!.push(node);
    spent += c;
  }
  if (parts.length === 1) return [whole(model)];
  const types = inferTypes(g, { opset: opsetVersion(model) });
  const dtypes = elementTypes(g);
  const outputs = new Set(g.outputs.map((v) => v.name));
  // Per value, the last segment that reads it (the model's outputs: past the last).
  const lastRead = new Map<string, number>();
  parts.forEach((nodes, i) => nodes.forEach((n) => readsOf(n).forEach((r) => lastRead.set(r, i))));
  for (const o of outputs) lastRead.set(o, parts.length);
  return parts.map((nodes, i) => {
    const computes = new Set(nodes.flatMap((n) => n.outputs.filter((o) => o)));
    const reads = new Set(nodes.flatMap(readsOf));
    const inputs = [...reads].filter((r) => !computes.has(r) && !g.initializers.has(r));
    const carry = [...computes].filter((o) => (lastRead.get(o) ?? -1) > i);
    const sg = g.clone();
    const mine = new Set(nodes);
    sg.nodes = sg.nodes.filter((_, k) => mine.has(g.nodes[k]!));
    sg.inputs = inputs.map((name): ValueInfo => {
      const t = types.get(name);
      const shape = t?.kind === 'tensor' ? t.shape : undefined;
      return { name, type: { kind: 'tensor', dtype: dtypes.get(name) ?? 'float32', shape } };
    });
    sg.outputs = carry.map((name) => ({ name }));
    sg.initializers = new Map([...g.initializers].filter(([name]) => reads.has(name)));
    return { model: { ...model, graph: sg }, inputs, carry, computes };
  });
}

/** The model uncut: nothing carried (its outputs are the model's own). */
function whole(model: Model): Segment {
  const g = model.graph;
  return {
    model,
    inputs: g.runtimeInputs().map((v) => v.name),
    carry: [],
    computes: new Set(g.nodes.flatMap((n) => n.outputs.filter((o) => o))),
  };
}
