import { cloneNode, subgraphsOf, type Graph, type Node } from '../ir/graph.js';

const isIf = (n: Node) => n.opType === 'If' && n.domain === '';

/**
 * An If whose condition is a constant once input shapes are known becomes the branch it always takes,
 * inlined in its place. Exporters leave such Ifs around shape checks (Silero VAD's decoder: "is the
 * feature map 3-D?", "is there a batch of states?"), and TFLite needs neither the test nor the branch not
 * taken. Each branch output takes the If output's name; an output the branch does not compute (an outer
 * value, a constant of the branch) is copied by an Identity, which lowering turns into an alias.
 * Returns the graph unchanged (the same object) when no If has a constant condition.
 */
export function inlineConstantIfs(g: Graph): Graph {
  const target = g.nodes.find((n) => isIf(n) && g.initializers.has(n.inputs[0] ?? ''));
  if (!target) return g;
  const out = g.clone();
  const at = g.nodes.indexOf(target);
  const cond = g.initializers.get(target.inputs[0]!)!;
  const taken = cond.toNumbers().some((v) => v !== 0) ? 'then_branch' : 'else_branch';
  const branch = target.attrs[taken];
  if (branch?.kind !== 'graph') return g;
  const inlined = inlineBranch(out, branch.value, target);
  out.nodes.splice(at, 1, ...inlined);
  return inlineConstantIfs(out);
}

/** `g` with the If node at `at` replaced by its branch `key`, inlined; the number of nodes it became. */
export function inlineIf(g: Graph, at: number, key: 'then_branch' | 'else_branch'): number {
  const node = g.nodes[at]!;
  const branch = node.attrs[key];
  if (branch?.kind !== 'graph') throw new Error(`If '${node.name}' has no ${key}`);
  const inlined = inlineBranch(g, branch.value, node);
  g.nodes.splice(at, 1, ...inlined);
  return inlined.length;
}

/** The branch's nodes, reading and writing names of `into`; its constants become `into`'s. */
function inlineBranch(into: Graph, branch: Graph, ifNode: Node): Node[] {
  const rename = new Map<string, string>();
  // Branch names unique in one scope may still meet an outer name: those get a fresh one.
  const taken = new Set([...into.initializers.keys(), ...into.inputs.map((v) => v.name)]);
  for (const n of into.nodes) for (const o of n.outputs) taken.add(o);
  const fresh = (name: string) => {
    let k = 1;
    while (taken.has(`${name}_${k}`)) k++;
    taken.add(`${name}_${k}`);
    return `${name}_${k}`;
  };
  for (const name of branch.initializers.keys()) if (taken.has(name)) rename.set(name, fresh(name));
  for (const n of branch.nodes)
    for (const o of n.outputs) if (o && taken.has(o) && !ifNode.outputs.includes(o)) rename.set(o, fresh(o));
  const produced = new Set(branch.nodes.flatMap((n) => n.outputs));
  const copies: Node[] = [];
  branch.outputs.forEach((v, k) => {
    const y = ifNode.outputs[k];
    if (!y) return;
    const source = rename.get(v.name) ?? v.name;
    if (produced.has(v.name) && !rename.has(v.name) && ![...rename.values()].includes(y)) {
      rename.set(v.name, y);
      return;
    }
    copies.push({
      name: `${y}_inlined`,
      opType: 'Identity',
      domain: '',
      inputs: [source],
      outputs: [y],
      attrs: {},
    });
  });
  for (const [name, t] of branch.initializers) into.initializers.set(rename.get(name) ?? name, t);
  for (const [name, info] of branch.valueInfo) {
    const to = rename.get(name) ?? name;
    if (!into.valueInfo.has(to)) into.valueInfo.set(to, { ...info, name: to });
  }
  return [...branch.nodes.map((n) => renameNode(n, rename)), ...copies];
}

/** A copy of `n` with names renamed, in its inputs, outputs and the outer reads of its subgraphs. */
function renameNode(n: Node, rename: Map<string, string>): Node {
  const c = cloneNode(n);
  const r = (v: string) => (v ? (rename.get(v) ?? v) : v);
  c.inputs = c.inputs.map(r);
  c.outputs = c.outputs.map(r);
  if (rename.size === 0 || subgraphsOf(n).length === 0) return c;
  for (const [key, a] of Object.entries(c.attrs)) {
    if (a.kind === 'graph') c.attrs[key] = { ...a, value: renameReads(a.value, rename) };
    else if (a.kind === 'graphs')
      c.attrs[key] = { ...a, value: a.value.map((sg) => renameReads(sg, rename)) };
  }
  return c;
}

/** A subgraph reading renamed outer values under their new names (its own names are not renamed). */
function renameReads(g: Graph, rename: Map<string, string>): Graph {
  const own = new Set([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) own.add(o);
  const outer = new Map([...rename].filter(([from]) => !own.has(from)));
  if (outer.size === 0) return g;
  const out = g.clone();
  out.nodes = out.nodes.map((n) => renameNode(n, outer));
  out.outputs = out.outputs.map((v) => ({ ...v, name: outer.get(v.name) ?? v.name }));
  return out;
}
