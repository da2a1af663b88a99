import type { DType } from './dtype.js';
import type { QParams, QuantScheme } from './qparams.js';
import type { Tensor } from './tensor.js';

/** A dimension: a fixed size, a symbolic name, or unknown (`null`). */
export type Dim = number | string | null;

export type ValueType =
  | { kind: 'tensor'; dtype: DType; shape?: Dim[] }
  /** Sequence, map, optional and sparse types, and tensors of an unknown element type: kept as read. */
  | { kind: 'opaque'; proto: unknown };

export interface ValueInfo {
  name: string;
  type?: ValueType;
  /** Set on quantized (int8, int32) values of a quantized graph. */
  quant?: QParams;
  doc?: string;
  extra?: Record<string, unknown>;
}

export type Attribute = (
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'graph'; value: Graph }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensors'; value: Tensor[] }
  | { kind: 'graphs'; value: Graph[] }
  /** Sparse tensors, type protos and function attribute references: kept as read. */
  | { kind: 'opaque'; value: unknown }
) & { doc?: string };

export type AttributeKind = Attribute['kind'];

export interface Node {
  name: string;
  opType: string;
  /** '' is the default ONNX domain; 'tflite' marks a TFLite builtin kept in its own (NHWC) semantics. */
  domain: string;
  /** Value names; '' marks an omitted optional input or output. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attribute>;
  doc?: string;
  extra?: Record<string, unknown>;
}

/**
 * A computation graph. Nodes are kept in a valid execution order after `topoSort`. The graph is plain
 * data: derived maps (producers, consumers) come from `indexGraph` and are not cached on the graph, so a
 * pass can never read a stale map.
 */
export class Graph {
  name = '';
  nodes: Node[] = [];
  /** Graph inputs as listed in the file; older ONNX files also list initializers here. */
  inputs: ValueInfo[] = [];
  outputs: ValueInfo[] = [];
  initializers = new Map<string, Tensor>();
  /** Known types of intermediate values. */
  valueInfo = new Map<string, ValueInfo>();
  doc?: string;
  extra?: Record<string, unknown>;

  /** Inputs that must be fed at run time (those not backed by an initializer). */
  runtimeInputs(): ValueInfo[] {
    return this.inputs.filter((v) => !this.initializers.has(v.name));
  }

  /** A shallow copy: new node list, maps and node objects; tensors and subgraphs are shared. */
  clone(): Graph {
    const g = new Graph();
    g.name = this.name;
    g.nodes = this.nodes.map(cloneNode);
    g.inputs = this.inputs.map((v) => ({ ...v }));
    g.outputs = this.outputs.map((v) => ({ ...v }));
    g.initializers = new Map(this.initializers);
    g.valueInfo = new Map(this.valueInfo);
    g.doc = this.doc;
    g.extra = this.extra;
    return g;
  }

  /** The tensor behind a value when it is constant: an initializer, or the output of a Constant node. */
  constant(name: string, index: GraphIndex = indexGraph(this)): Tensor | undefined {
    const init = this.initializers.get(name);
    if (init) return init;
    const producer = index.producer.get(name);
    if (producer && producer.opType === 'Constant' && producer.domain === '')
      return constantNodeValue(producer);
    return undefined;
  }

  /** The quantization parameters of a value or constant, where the graph gives them. */
  quantOf(name: string): QParams | undefined {
    return (
      this.initializers.get(name)?.quant ??
      this.valueInfo.get(name)?.quant ??
      this.inputs.find((v) => v.name === name)?.quant ??
      this.outputs.find((v) => v.name === name)?.quant
    );
  }

  /** The type of a value as far as it is known (inputs, outputs, value_info, initializers). */
  typeOf(name: string): ValueType | undefined {
    const init = this.initializers.get(name);
    if (init) return { kind: 'tensor', dtype: init.dtype, shape: [...init.dims] };
    return (
      this.valueInfo.get(name)?.type ??
      this.inputs.find((v) => v.name === name)?.type ??
      this.outputs.find((v) => v.name === name)?.type
    );
  }
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  format: 'onnx' | 'tflite';
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  doc?: string;
  metadata: { key: string; value: string }[];
  /** The scheme the graph's integers were made for, on a quantized model. */
  quantScheme?: QuantScheme;
  graph: Graph;
  /** Parts of the file the IR does not interpret (ONNX functions, training info, ...), kept for writing. */
  extra?: Record<string, unknown>;
}

export function cloneNode(n: Node): Node {
  return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } };
}

export function opsetVersion(model: Model, domain = ''): number | undefined {
  const d = domain === 'ai.onnx' ? '' : domain;
  return model.opsetImports.find((o) => (o.domain === 'ai.onnx' ? '' : o.domain) === d)?.version;
}

export interface GraphIndex {
  /** Value name to the node that produces it. */
  producer: Map<string, Node>;
  /** Value name to the nodes that read it (a node appears once per input slot it uses the value in). */
  consumers: Map<string, Node[]>;
  graphOutputs: Set<string>;
}

export function indexGraph(g: Graph): GraphIndex {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  const read = (i: string, node: Node) => {
    const list = consumers.get(i);
    if (list) list.push(node);
    else consumers.set(i, [node]);
  };
  // As readsOf, without its arrays for the nodes that hold no subgraph (the rewrite engine indexes the
  // graph again after every rewrite: PP-OCRv4 rec's optimizer, 495 times).
  for (const node of g.nodes) {
    for (const o of node.outputs) if (o) producer.set(o, node);
    if (holdsSubgraph(node)) for (const i of readsOf(node)) read(i, node);
    else for (const i of node.inputs) if (i !== '') read(i, node);
  }
  return { producer, consumers, graphOutputs: new Set(g.outputs.map((v) => v.name)) };
}

function holdsSubgraph(node: Node): boolean {
  for (const k in node.attrs) {
    const kind = node.attrs[k]!.kind;
    if (kind === 'graph' || kind === 'graphs') return true;
  }
  return false;
}

/** Every value a node reads: its inputs and the outer-scope values its subgraphs use. */
export function readsOf(node: Node): string[] {
  const direct = node.inputs.filter((i) => i !== '');
  const subgraphs = subgraphsOf(node);
  if (subgraphs.length === 0) return direct;
  const outer = new Set<string>();
  for (const sg of subgraphs) for (const name of outerReads(sg)) outer.add(name);
  return [...direct, ...outer];
}

export function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of Object.values(node.attrs)) {
    if (a.kind === 'graph') out.push(a.value);
    else if (a.kind === 'graphs') out.push(...a.value);
  }
  return out;
}

/**
 * Every value something in `g` reads: node inputs, the outer-scope values their subgraphs use, and the
 * graph outputs. A pass that drops "unused" initializers must ask this, not the node inputs alone: an If
 * branch that reads an initializer of the enclosing graph has no node input naming it.
 */
export function readNames(g: Graph): Set<string> {
  const read = new Set<string>(g.outputs.map((v) => v.name));
  for (const n of g.nodes) for (const i of readsOf(n)) read.add(i);
  return read;
}

/** Names a subgraph reads from its enclosing scopes. */
export function outerReads(g: Graph): Set<string> {
  const defined = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) defined.add(o);
  const reads = new Set<string>();
  for (const n of g.nodes) for (const i of readsOf(n)) if (!defined.has(i)) reads.add(i);
  for (const o of g.outputs) if (!defined.has(o.name)) reads.add(o.name);
  return reads;
}

/**
 * Nodes in an order where every value is produced before it is read (Kahn's algorithm, stable: ties keep
 * the file's order). Throws on a cycle, naming a node in it.
 */
export function topoSort(g: Graph): Node[] {
  const available = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys(), '']);
  const index = indexGraph(g);
  const position = new Map(g.nodes.map((n, i) => [n, i]));
  // Per node, how many distinct values it still waits for; `ready` is kept sorted by file position.
  const pending = new Map<Node, number>();
  const ready: Node[] = [];
  for (const node of g.nodes) {
    const missing = new Set(readsOf(node).filter((i) => !available.has(i) && index.producer.has(i)));
    pending.set(node, missing.size);
    if (missing.size === 0) ready.push(node);
  }
  const order: Node[] = [];
  while (ready.length) {
    const node = ready.shift()!;
    order.push(node);
    for (const o of node.outputs) {
      if (!o || available.has(o)) continue;
      available.add(o);
      for (const c of new Set(index.consumers.get(o) ?? [])) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0) ready.splice(insertionPoint(ready, position.get(c)!, position), 0, c);
      }
    }
  }
  if (order.length !== g.nodes.length) {
    const node = nodeOnCycle(new Set(g.nodes.filter((n) => pending.get(n)! > 0)), index, available);
    throw new Error(`graph '${g.name}' has a cycle through node '${node.name}' (${node.opType})`);
  }
  return order;
}

function insertionPoint(sorted: Node[], at: number, position: Map<Node, number>): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (position.get(sorted[mid]!)! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every stuck node waits for a value another stuck node produces; walking back along them must loop. */
function nodeOnCycle(stuck: Set<Node>, index: GraphIndex, available: Set<string>): Node {
  const seen = new Set<Node>();
  let node = stuck.values().next().value!;
  while (!seen.has(node)) {
    seen.add(node);
    const waits = readsOf(node).find((i) => !available.has(i) && stuck.has(index.producer.get(i)!));
    node = index.producer.get(waits!)!;
  }
  return node;
}

/** The tensor a Constant node holds (`value`, or the `value_float(s)` / `value_int(s)` shorthands). */
export function constantNodeValue(node: Node): Tensor | undefined {
  const a = node.attrs;
  if (a.value?.kind === 'tensor') return a.value.value;
  return constantShorthand(a);
}

// Imported lazily to keep graph.ts free of a cycle with tensor.ts at module load.
import { Tensor as TensorClass } from './tensor.js';

function constantShorthand(a: Record<string, Attribute>): Tensor | undefined {
  const v = a.value_float ?? a.value_floats ?? a.value_int ?? a.value_ints;
  if (!v) return undefined;
  switch (v.kind) {
    case 'float':
      return TensorClass.float32([], [v.value]);
    case 'floats':
      return TensorClass.float32([v.value.length], v.value);
    case 'int':
      return TensorClass.int64([], [v.value]);
    case 'ints':
      return TensorClass.int64([v.value.length], v.value);
    default:
      return undefined;
  }
}
