import type { Attribute, Graph, Model, Node } from './graph.js';
import { tensorsEqual, type Tensor } from './tensor.js';

/**
 * Structural equality of two models: the first difference found, as a path and a reason, or undefined
 * when equal. Used to prove that export followed by import gives back the same IR.
 */
export function diffModels(a: Model, b: Model): string | undefined {
  if (a.irVersion !== b.irVersion) return `irVersion ${a.irVersion} != ${b.irVersion}`;
  const plain = (m: Model) =>
    JSON.stringify([
      m.opsetImports,
      m.producerName,
      m.producerVersion,
      m.domain,
      m.modelVersion,
      m.doc,
      m.metadata,
      m.quantScheme,
    ]);
  if (plain(a) !== plain(b)) return 'model fields differ';
  if (json(a.extra) !== json(b.extra)) return 'model extras differ';
  return diffGraphs(a.graph, b.graph, 'graph');
}

export function diffGraphs(a: Graph, b: Graph, at: string): string | undefined {
  if (a.name !== b.name || a.doc !== b.doc) return `${at}: name or doc differs`;
  if (json(a.inputs) !== json(b.inputs)) return `${at}: inputs differ`;
  if (json(a.outputs) !== json(b.outputs)) return `${at}: outputs differ`;
  if (json([...a.valueInfo.values()]) !== json([...b.valueInfo.values()])) return `${at}: value_info differs`;
  if (json(a.extra) !== json(b.extra)) return `${at}: extras differ`;
  if (a.initializers.size !== b.initializers.size) return `${at}: initializer count differs`;
  for (const [name, t] of a.initializers) {
    const u = b.initializers.get(name);
    if (!u || !sameTensor(t, u)) return `${at}: initializer '${name}' differs`;
  }
  if (a.nodes.length !== b.nodes.length) return `${at}: node count ${a.nodes.length} != ${b.nodes.length}`;
  for (let i = 0; i < a.nodes.length; i++) {
    const d = diffNodes(a.nodes[i]!, b.nodes[i]!, `${at}.node[${i}]`);
    if (d) return d;
  }
  return undefined;
}

function diffNodes(a: Node, b: Node, at: string): string | undefined {
  const head = (n: Node) => json([n.name, n.opType, n.domain, n.inputs, n.outputs, n.doc, n.extra]);
  if (head(a) !== head(b)) return `${at} (${a.opType}): fields differ`;
  const keys = Object.keys(a.attrs);
  if (json(keys) !== json(Object.keys(b.attrs))) return `${at}: attribute names differ`;
  for (const k of keys) {
    const d = diffAttrs(a.attrs[k]!, b.attrs[k]!, `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function diffAttrs(a: Attribute, b: Attribute, at: string): string | undefined {
  if (a.kind !== b.kind || a.doc !== b.doc) return `${at}: kind differs`;
  switch (a.kind) {
    case 'tensor':
      return sameTensor(a.value, (b as typeof a).value) ? undefined : `${at}: tensor differs`;
    case 'tensors': {
      const bv = (b as typeof a).value;
      return a.value.length === bv.length && a.value.every((t, i) => sameTensor(t, bv[i]!))
        ? undefined
        : `${at}: tensors differ`;
    }
    case 'graph':
      return diffGraphs(a.value, (b as typeof a).value, at);
    case 'graphs': {
      const bv = (b as typeof a).value;
      if (a.value.length !== bv.length) return `${at}: graph count differs`;
      for (let i = 0; i < a.value.length; i++) {
        const d = diffGraphs(a.value[i]!, bv[i]!, `${at}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    default:
      return json(a.value) === json((b as typeof a).value) ? undefined : `${at}: value differs`;
  }
}

/** Values, quantization parameters and the ONNX extras (name of an attribute tensor, doc string, metadata). */
function sameTensor(a: Tensor, b: Tensor): boolean {
  return tensorsEqual(a, b) && json([a.quant, a.extra]) === json([b.quant, b.extra]);
}

/** JSON with byte arrays, bigints and protobuf Longs rendered comparably; NaN kept distinct from null. */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'number' && Number.isNaN(x)) return 'NaN';
    if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
    if (x && typeof x === 'object' && x.type === 'Buffer' && Array.isArray(x.data))
      return Buffer.from(x.data).toString('base64');
    if (x && typeof x === 'object' && typeof x.low === 'number' && typeof x.high === 'number')
      return `${x.high}:${x.low}`;
    return x;
  });
}
