import {
  indexGraph,
  topoSort,
  subgraphsOf,
  type Graph,
  type GraphIndex,
  type Node,
  type ValueType,
  type Dim,
} from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { inferTypes } from '../ir/shapes.js';
import type { Pass, PassContext, PassStats } from './types.js';

/**
 * Rewrites as small (pattern, fn) rules, as tinygrad's PatternMatcher: a rule is tried at every node of
 * its root op types (default domain only: nodes of other domains such as 'tflite' are never matched) and
 * either declines (undefined) or returns the nodes to remove and what replaces them.
 */

export interface Rewrite {
  /** Matched nodes that go away. */
  remove: Node[];
  /** New nodes (inserted where the first removed node was; the pass re-sorts the graph after). */
  add?: Node[];
  /** New initializers. */
  initializers?: [string, Tensor][];
  /** Readers of `from` read `to` instead (see `canReplace`). */
  replace?: [from: string, to: string][];
}

export interface Rule {
  /** The stats key: what the rule matched and rewrote. */
  name: string;
  /** Op types (default domain) the match starts at. */
  roots: string[];
  match(node: Node, cx: RuleContext): Rewrite | undefined;
}

/** A read-only view of the graph being rewritten, for rules. */
export class RuleContext {
  private index: GraphIndex;
  private names: Set<string>;

  private types: Map<string, ValueType> | undefined;

  constructor(
    readonly graph: Graph,
    readonly pass: PassContext,
  ) {
    this.index = indexGraph(graph);
    this.names = allNames(graph);
  }

  /**
   * The types inferred on the graph as the sweep found it: computed at the first query, or before the
   * first rewrite (the engine calls this then), whichever comes first, so every query of a sweep reads
   * the same types as if they were inferred at its start. Most sweeps neither query nor rewrite (a pass
   * sweeps until nothing matches): PP-OCRv4 rec and det, 88 sweeps, 34 of them inferred.
   */
  sweepTypes(): Map<string, ValueType> {
    this.types ??= inferTypes(this.graph, { opset: this.pass.opset });
    return this.types;
  }

  get opset(): number {
    return this.pass.opset;
  }

  /** Called by the engine after each rewrite. */
  refresh(): void {
    this.index = indexGraph(this.graph);
  }

  constant(name: string): Tensor | undefined {
    return name ? this.graph.constant(name, this.index) : undefined;
  }

  producer(name: string): Node | undefined {
    return this.index.producer.get(name);
  }

  consumers(name: string): Node[] {
    return this.index.consumers.get(name) ?? [];
  }

  isGraphOutput(name: string): boolean {
    return this.index.graphOutputs.has(name);
  }

  /** Whether anything reads the value (a node, a subgraph, or the graph's outputs). */
  isRead(name: string): boolean {
    return this.consumers(name).length > 0 || this.isGraphOutput(name);
  }

  /** The one node reading `name` (in one input slot), when nothing else does and it is not a graph output. */
  soleConsumer(name: string): Node | undefined {
    const c = this.consumers(name);
    return c.length === 1 && !this.isGraphOutput(name) ? c[0] : undefined;
  }

  /** The node producing input `i` of `node`, when `node` is its only reader. */
  soleProducer(node: Node, i = 0): Node | undefined {
    const v = node.inputs[i];
    const p = v ? this.producer(v) : undefined;
    return p && p.domain === '' && this.soleConsumer(v!) === node ? p : undefined;
  }

  type(name: string): ValueType | undefined {
    return this.sweepTypes().get(name) ?? this.graph.typeOf(name);
  }

  shape(name: string): Dim[] | undefined {
    const t = this.type(name);
    return t?.kind === 'tensor' ? t.shape : undefined;
  }

  rank(name: string): number | undefined {
    return this.shape(name)?.length;
  }

  /** A value name not used anywhere in the graph yet. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /**
   * Whether readers of `from` can read `to` instead. When `from` is a graph output (its name must stay),
   * `to` is renamed to `from`, which needs `to` to be a node output that is not itself a graph output.
   * Values read inside subgraphs are not redirected.
   */
  canReplace(from: string, to: string): boolean {
    if (this.consumers(from).some((n) => subgraphsOf(n).length > 0)) return false;
    if (!this.isGraphOutput(from)) return true;
    const p = this.producer(to);
    return !!p && !this.isGraphOutput(to) && !this.consumers(to).some((n) => subgraphsOf(n).length > 0);
  }
}

function allNames(g: Graph): Set<string> {
  const s = new Set<string>([
    ...g.inputs.map((v) => v.name),
    ...g.outputs.map((v) => v.name),
    ...g.initializers.keys(),
  ]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) if (v) s.add(v);
  for (const k of g.valueInfo.keys()) s.add(k);
  return s;
}

/** A pass from rules: sweeps the graph until no rule matches (or `maxSweeps`). */
export function rulePass(rules: Rule[], maxSweeps = 50): Pass {
  const byRoot = new Map<string, Rule[]>();
  for (const r of rules) for (const op of r.roots) byRoot.set(op, [...(byRoot.get(op) ?? []), r]);
  return (input, ctx) => {
    const g = input.clone();
    const stats: PassStats = {};
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      if (!runSweep(g, ctx, byRoot, stats)) break;
    }
    return { graph: g, stats };
  };
}

function runSweep(g: Graph, ctx: PassContext, byRoot: Map<string, Rule[]>, stats: PassStats): boolean {
  const cx = new RuleContext(g, ctx);
  const alive = new Set(g.nodes);
  let changed = false;
  for (const node of [...g.nodes]) {
    if (!alive.has(node) || node.domain !== '') continue;
    for (const rule of byRoot.get(node.opType) ?? []) {
      const rw = rule.match(node, cx);
      if (!rw) continue;
      cx.sweepTypes();
      applyRewrite(g, rw, alive);
      cx.refresh();
      checkNoDangling(g, rw, cx);
      stats[rule.name] = (stats[rule.name] ?? 0) + 1;
      changed = true;
      break;
    }
  }
  if (changed) g.nodes = topoSort(g);
  return changed;
}

function applyRewrite(g: Graph, rw: Rewrite, alive: Set<Node>): void {
  const gone = new Set(rw.remove);
  const at = Math.max(
    0,
    g.nodes.findIndex((n) => gone.has(n)),
  );
  const kept = g.nodes.filter((n) => !gone.has(n));
  const before = g.nodes.slice(0, at).filter((n) => !gone.has(n)).length;
  kept.splice(before, 0, ...(rw.add ?? []));
  g.nodes = kept;
  for (const n of rw.remove) alive.delete(n);
  for (const n of rw.add ?? []) alive.add(n);
  for (const [name, t] of rw.initializers ?? []) g.initializers.set(name, t);
  for (const [from, to] of rw.replace ?? []) replaceValue(g, from, to);
}

/** Readers of `from` read `to`; a graph output keeps its name by renaming `to` instead. */
function replaceValue(g: Graph, from: string, to: string): void {
  if (g.outputs.some((v) => v.name === from)) {
    for (const n of g.nodes) {
      n.outputs = n.outputs.map((o) => (o === to ? from : o));
      n.inputs = n.inputs.map((i) => (i === to ? from : i));
    }
    g.valueInfo.delete(to);
    return;
  }
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

/**
 * A rule that removes the producer of a value still read is a bug: fail loudly, naming it. Checked on the
 * context's index of the rewritten graph (refreshed after each rewrite anyway; an index of its own here
 * doubled the cost of a rewrite, half of optimize's time on PP-OCRv4 det).
 */
function checkNoDangling(g: Graph, rw: Rewrite, cx: RuleContext): void {
  for (const n of rw.remove) {
    for (const o of n.outputs) {
      if (!o || cx.producer(o) || g.initializers.has(o)) continue;
      if (cx.isRead(o)) {
        throw new Error(`rewrite removed '${n.name}' (${n.opType}) but its output '${o}' is still read`);
      }
    }
  }
}
