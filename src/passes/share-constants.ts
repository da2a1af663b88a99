import { outerReads, subgraphsOf, type Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { PassResult, PassStats } from './types.js';

/** Initializers of at most this many bytes are compared by content. */
export const SHARED_CONSTANT_BYTES = 256;

/**
 * Small initializers with the same type, shape and bytes become one: readers of the later ones read the
 * first. A quantized file holds many such copies (the reduction axes of every ReduceSum/Unsqueeze, equal
 * shapes); each costs a name, a header and its bytes. Initializers the model exposes (graph inputs and
 * outputs) and those a subgraph reads from the enclosing scope keep their own names.
 */
export function shareConstants(input: Graph): PassResult {
  const g = input.clone();
  const fixed = new Set([...g.inputs.map((v) => v.name), ...g.outputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const sg of subgraphsOf(n)) for (const r of outerReads(sg)) fixed.add(r);
  const first = new Map<string, string>();
  const rename = new Map<string, string>();
  for (const [name, t] of g.initializers) {
    const key = contentKey(t);
    if (key === undefined || fixed.has(name)) continue;
    const same = first.get(key);
    if (same === undefined) first.set(key, name);
    else rename.set(name, same);
  }
  const stats: PassStats = {};
  if (rename.size === 0) return { graph: g, stats };
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => rename.get(i) ?? i);
  for (const name of rename.keys()) {
    g.initializers.delete(name);
    g.valueInfo.delete(name);
  }
  stats['share-constant'] = rename.size;
  return { graph: g, stats };
}

function contentKey(t: Tensor): string | undefined {
  if (Array.isArray(t.data)) return undefined;
  const bytes = t.bytes();
  if (bytes.byteLength > SHARED_CONSTANT_BYTES) return undefined;
  return `${t.dtype}|${t.dims.join(',')}|${Buffer.from(bytes).toString('latin1')}`;
}
