import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { onnxCode } from '../../ir/dtype.js';
import type { Attribute, Graph, Model, Node, ValueInfo, ValueType } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { writeFileAtomic } from '../../util/fs.js';
import { ATTR_TYPE, DATA_LOCATION_EXTERNAL, ModelProto } from './schema.js';
import { ExternalWriter } from './external.js';

type Msg = Record<string, unknown>;
const Long = protobuf.util.Long as unknown as typeof import('long').default;

/** Protobuf messages cannot exceed 2 GiB; models whose weights come near it store them outside. */
const PROTOBUF_LIMIT = 2 ** 31 - 1;
const EXTERNAL_MARGIN = 64 * 2 ** 20;

export interface OnnxWriteOptions {
  /**
   * Store tensors of at least `threshold` bytes (default 1024) in `location`, a file beside the model.
   * Without it, external data is used only when the weights would not fit in one protobuf message.
   */
  externalData?: { location: string; threshold?: number };
}

export interface EncodedOnnx {
  bytes: Uint8Array;
  external?: ExternalWriter;
}

export function exportOnnx(model: Model, opts: OnnxWriteOptions = {}): EncodedOnnx {
  const external = opts.externalData ? new ExternalWriter(opts.externalData.location) : undefined;
  const ctx: Ctx = { external, threshold: opts.externalData?.threshold ?? 1024 };
  const bytes = ModelProto.encode(modelToProto(model, ctx)).finish();
  return { bytes, external };
}

/**
 * Writes the model to `file`, whole or not at all. Weights go to `<name>.data` beside it when asked or
 * when the model would pass protobuf's 2 GiB limit.
 */
export function writeOnnxFile(model: Model, file: string, opts: OnnxWriteOptions = {}): void {
  const { bytes, external } = exportOnnx(model, withAutoExternalData(file, weightBytes(model.graph), opts));
  if (external) {
    const dataFile = path.join(path.dirname(file), external.location);
    writeFileAtomic(dataFile, (tmp) => external.writeTo(tmp));
  }
  writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, bytes));
}

/** Weights above this many bytes leave room for nothing else in one protobuf message. */
export const AUTO_EXTERNAL_DATA_BYTES = PROTOBUF_LIMIT - EXTERNAL_MARGIN;

/** The options to write `file` with: the caller's, or external data beside it when `weights` bytes would not fit. */
export function withAutoExternalData(
  file: string,
  weights: number,
  opts: OnnxWriteOptions,
): OnnxWriteOptions {
  if (opts.externalData || weights <= AUTO_EXTERNAL_DATA_BYTES) return opts;
  return { ...opts, externalData: { location: `${path.basename(file)}.data` } };
}

/** Bytes of every tensor in the graph: initializers and tensor attributes, subgraphs included. */
export function weightBytes(g: Graph): number {
  let n = 0;
  const add = (t: Tensor) => (n += Array.isArray(t.data) ? 0 : t.data.byteLength);
  for (const t of g.initializers.values()) add(t);
  for (const node of g.nodes) {
    for (const a of Object.values(node.attrs)) {
      if (a.kind === 'tensor') add(a.value);
      else if (a.kind === 'tensors') a.value.forEach(add);
      else if (a.kind === 'graph') n += weightBytes(a.value);
      else if (a.kind === 'graphs') for (const sg of a.value) n += weightBytes(sg);
    }
  }
  return n;
}

interface Ctx {
  external?: ExternalWriter;
  threshold: number;
}

function modelToProto(m: Model, ctx: Ctx): Msg {
  const p: Msg = {
    irVersion: int64(m.irVersion),
    opsetImport: m.opsetImports.map((o) => ({ domain: o.domain, version: int64(o.version) })),
    metadataProps: m.metadata,
    graph: graphToProto(m.graph, ctx),
  };
  if (m.producerName !== undefined) p.producerName = m.producerName;
  if (m.producerVersion !== undefined) p.producerVersion = m.producerVersion;
  if (m.domain !== undefined) p.domain = m.domain;
  if (m.modelVersion !== undefined) p.modelVersion = int64(m.modelVersion);
  if (m.doc !== undefined) p.docString = m.doc;
  Object.assign(p, m.extra ?? {});
  return p;
}

function graphToProto(g: Graph, ctx: Ctx): Msg {
  const p: Msg = {
    name: g.name,
    node: g.nodes.map((n) => nodeToProto(n, ctx)),
    initializer: [...g.initializers].map(([name, t]) => tensorToProto(t, name, ctx)),
    input: g.inputs.map(valueToProto),
    output: g.outputs.map(valueToProto),
    valueInfo: [...g.valueInfo.values()].map(valueToProto),
  };
  if (g.doc !== undefined) p.docString = g.doc;
  Object.assign(p, g.extra ?? {});
  return p;
}

function nodeToProto(n: Node, ctx: Ctx): Msg {
  const p: Msg = {
    input: n.inputs,
    output: n.outputs,
    opType: n.opType,
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeToProto(name, a, ctx)),
  };
  if (n.name) p.name = n.name;
  if (n.domain) p.domain = n.domain;
  if (n.doc !== undefined) p.docString = n.doc;
  Object.assign(p, n.extra ?? {});
  return p;
}

function attributeToProto(name: string, a: Attribute, ctx: Ctx): Msg {
  if (a.kind === 'opaque') return a.value as Msg;
  const p: Msg = { name, type: ATTR_TYPE[a.kind] };
  if (a.doc !== undefined) p.docString = a.doc;
  switch (a.kind) {
    case 'float':
      p.f = a.value;
      break;
    case 'int':
      p.i = int64(a.value);
      break;
    case 'string':
      p.s = Buffer.from(a.value, 'utf8');
      break;
    case 'tensor':
      p.t = tensorToProto(a.value, undefined, ctx);
      break;
    case 'graph':
      p.g = graphToProto(a.value, ctx);
      break;
    case 'floats':
      p.floats = a.value;
      break;
    case 'ints':
      p.ints = a.value.map(int64);
      break;
    case 'strings':
      p.strings = a.value.map((s) => Buffer.from(s, 'utf8'));
      break;
    case 'tensors':
      p.tensors = a.value.map((t) => tensorToProto(t, undefined, ctx));
      break;
    case 'graphs':
      p.graphs = a.value.map((g) => graphToProto(g, ctx));
      break;
  }
  return p;
}

export function tensorToProto(t: Tensor, name: string | undefined, ctx: Ctx = { threshold: 0 }): Msg {
  const p: Msg = { dims: t.dims.map(int64), dataType: onnxCode(t.dtype) };
  const extra = t.extra ?? {};
  if (name !== undefined) p.name = name;
  else if (typeof extra.name === 'string') p.name = extra.name;
  if (extra.docString !== undefined) p.docString = extra.docString;
  if (extra.metadataProps) p.metadataProps = extra.metadataProps;
  if (Array.isArray(t.data)) {
    p.stringData = t.data.map((s) => Buffer.from(s, 'utf8'));
    return p;
  }
  const bytes = t.bytes();
  if (ctx.external && bytes.byteLength >= ctx.threshold) {
    p.dataLocation = DATA_LOCATION_EXTERNAL;
    p.externalData = ctx.external.add(bytes);
  } else {
    p.rawData = bytes;
  }
  return p;
}

function valueToProto(v: ValueInfo): Msg {
  const p: Msg = { name: v.name };
  if (v.type) p.type = typeToProto(v.type);
  if (v.doc !== undefined) p.docString = v.doc;
  Object.assign(p, v.extra ?? {});
  return p;
}

function typeToProto(t: ValueType): Msg {
  if (t.kind === 'opaque') return t.proto as Msg;
  const tensorType: Msg = { elemType: onnxCode(t.dtype) };
  if (t.shape) {
    tensorType.shape = {
      dim: t.shape.map((d) =>
        typeof d === 'number' ? { dimValue: int64(d) } : typeof d === 'string' ? { dimParam: d } : {},
      ),
    };
  }
  return { tensorType };
}

/** numbers to int64 through Long, which saturates at the int64 range (INT64_MAX stays INT64_MAX). */
function int64(v: number): protobuf.Long {
  return Long.fromNumber(v) as unknown as protobuf.Long;
}
