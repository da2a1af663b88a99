import {
  opsetVersion,
  readsOf,
  topoSort,
  type Graph,
  type Model,
  type Node,
  type ValueInfo,
} from '../ir/graph.js';
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
export function segmentModel(
  model: Model,
  cost: (name: string) => number,
  budget: number,
  size?: (name: string) => number,
): Segment[] {
  const g = model.graph;
  const order = topoSort(g);
  const costs = order.map((n) => n.outputs.reduce((s, o) => s + (o ? cost(o) : 0), 0));
  const live = size ? liveAt(g, order, size) : undefined;
  const parts: Node[][] = [];
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    let spent = costs[start]!;
    while (end < order.length && spent + costs[end]! <= budget) spent += costs[end++]!;
    // Where values have sizes, the cut moves back to where the fewest values cross it, within the last
    // half of the budget: what crosses is copied out of ONNX Runtime and fed in again.
    if (live && end < order.length) {
      let best = end;
      for (let j = end - 1, c = spent - costs[j]!; j > start && c >= budget / 2; c -= costs[--j]!)
        if (live[j]! < live[best]!) best = j;
      end = best;
    }
    parts.push(order.slice(start, end));
    start = end;
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
/** Per position in `order`, the size of the values computed before it and read at or after it. */
function liveAt(g: Graph, order: Node[], size: (name: string) => number): number[] {
  const last = new Map<string, number>();
  order.forEach((n, i) => readsOf(n).forEach((r) => last.set(r, i)));
  for (const o of g.outputs) last.set(o.name, order.length);
  const ending = order.map(() => 0);
  const live = [0];
  let sum = 0;
  order.forEach((n, i) => {
    sum -= ending[i]!;
    for (const o of n.outputs) {
      const at = o ? last.get(o) : undefined;
      if (at === undefined || at <= i) continue;
      sum += size(o);
      if (at < order.length) ending[at]! += size(o);
    }
    live.push(sum);
  });
  return live;
}

function whole(model: Model): Segment {
  const g = model.graph;
  return {
    model,
    inputs: g.runtimeInputs().map((v) => v.name),
    carry: [],
    computes: new Set(g.nodes.flatMap((n) => n.outputs.filter((o) => o))),
  };
}
