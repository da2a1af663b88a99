import fs from 'node:fs';
import { int16QdqForOpset } from '../../quant/int16.js';
import path from 'node:path';
import protobuf from 'protobufjs';
import { onnxCode } from '../../ir/dtype.js';
import type { Attribute, Graph, Model, Node, ValueInfo, ValueType } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { writeFileAtomic } from '../../util/fs.js';
import {
  ATTR_TYPE,
  AttributeProto,
  DATA_LOCATION_EXTERNAL,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
} from './schema.js';
import { BufferSink, Encoder, FdSink, Frame } from './encode.js';
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
  /** Without `externalData`: weight bytes past which they go beside the file (default AUTO_EXTERNAL_DATA_BYTES). */
  singleFileBytes?: number;
}

export interface EncodedOnnx {
  bytes: Uint8Array;
  external?: ExternalWriter;
}

/**
 * Encodes the model in memory: one buffer of the exact size, written once. Every tensor's raw bytes start
 * at an offset that is a multiple of 16 (see encode.ts), so importing the result views them in place.
 */
export function exportOnnx(model: Model, opts: OnnxWriteOptions = {}): EncodedOnnx {
  const { encoder, root, external } = layout(model, opts);
  const size = encoder.size(root);
  const sink = new BufferSink(size);
  encoder.emit(root, sink);
  if (sink.written !== size) throw new Error(`internal: encoded ${sink.written} bytes of ${size}`);
  return { bytes: sink.buffer, external };
}

/**
 * Writes the model to `file`, whole or not at all. Weights go to `<name>.data` beside it when asked or
 * when the model would pass protobuf's 2 GiB limit. The model is streamed to the file: the protobuf
 * framing is computed up front and tensor bytes are written from where they are, never gathered into
 * one buffer, so writing needs little memory beyond the model itself. Returns the external data file's
 * path when one was written.
 */
export function writeOnnxFile(model: Model, file: string, opts: OnnxWriteOptions = {}): string | undefined {
  const { encoder, root, external } = layout(
    model,
    withAutoExternalData(file, weightBytes(model.graph), opts),
  );
  const dataFile = external && path.join(path.dirname(file), external.location);
  if (dataFile) writeFileAtomic(dataFile, (tmp) => external!.writeTo(tmp));
  const size = encoder.size(root);
  writeFileAtomic(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      const sink = new FdSink(fd, Math.min(size, 1 << 20));
      encoder.emit(root, sink);
      sink.flush();
      if (sink.written !== size) throw new Error(`internal: wrote ${sink.written} bytes of ${size}`);
    } finally {
      fs.closeSync(fd);
    }
  });
  return dataFile;
}

/** Weights above this many bytes leave room for nothing else in one protobuf message. */
export const AUTO_EXTERNAL_DATA_BYTES = PROTOBUF_LIMIT - EXTERNAL_MARGIN;

/** The options to write `file` with: the caller's, or external data beside it when `weights` bytes would not fit. */
export function withAutoExternalData(
  file: string,
  weights: number,
  opts: OnnxWriteOptions,
): OnnxWriteOptions {
  if (opts.externalData || weights <= (opts.singleFileBytes ?? AUTO_EXTERNAL_DATA_BYTES)) return opts;
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

interface TensorCtx {
  external?: ExternalWriter;
  threshold: number;
}

interface Ctx extends TensorCtx {
  encoder: Encoder;
}

/** The model as frames, tensors of external data already collected. */
function layout(
  model: Model,
  opts: OnnxWriteOptions,
): { encoder: Encoder; root: Frame; external?: ExternalWriter } {
  const external = opts.externalData ? new ExternalWriter(opts.externalData.location) : undefined;
  const ctx: Ctx = { external, threshold: opts.externalData?.threshold ?? 1024, encoder: new Encoder() };
  // int16 Q/DQ below opset 21 are written in ONNX Runtime's com.microsoft domain (src/quant/int16.ts).
  return { encoder: ctx.encoder, root: modelFrame(int16QdqForOpset(model), ctx), external };
}

/**
 * Keys of the length-delimited fields that can hold raw tensor data: (field number << 3) | 2. Messages on
 * the way to a tensor's raw_data are frames; everything else is encoded by protobufjs as it was.
 */
const KEY = {
  modelGraph: (7 << 3) | 2,
  graphNode: (1 << 3) | 2,
  graphInitializer: (5 << 3) | 2,
  nodeAttribute: (5 << 3) | 2,
  attributeT: (5 << 3) | 2,
  attributeG: (6 << 3) | 2,
  attributeTensors: (10 << 3) | 2,
  attributeGraphs: (11 << 3) | 2,
} as const;

function modelFrame(m: Model, ctx: Ctx): Frame {
  const p: Msg = {
    irVersion: int64(m.irVersion),
    opsetImport: m.opsetImports.map((o) => ({ domain: o.domain, version: int64(o.version) })),
    metadataProps: m.metadata,
  };
  if (m.producerName !== undefined) p.producerName = m.producerName;
  if (m.producerVersion !== undefined) p.producerVersion = m.producerVersion;
  if (m.domain !== undefined) p.domain = m.domain;
  if (m.modelVersion !== undefined) p.modelVersion = int64(m.modelVersion);
  if (m.doc !== undefined) p.docString = m.doc;
  Object.assign(p, m.extra ?? {});
  const f = new Frame();
  ctx.encoder.fields(f, ModelProto, p);
  ctx.encoder.child(f, KEY.modelGraph, graphFrame(m.graph, ctx));
  return f;
}

function graphFrame(g: Graph, ctx: Ctx): Frame {
  const { encoder } = ctx;
  const p: Msg = {
    name: g.name,
    input: g.inputs.map(valueToProto),
    output: g.outputs.map(valueToProto),
    valueInfo: [...g.valueInfo.values()].map(valueToProto),
  };
  if (g.doc !== undefined) p.docString = g.doc;
  Object.assign(p, g.extra ?? {});
  const f = new Frame();
  encoder.fields(f, GraphProto, p);
  // Nodes first, then initializers: the order external data is collected in. Runs of nodes without
  // tensors are encoded together.
  let plain: Msg[] = [];
  for (const n of g.nodes) {
    if (!nodeHoldsTensors(n)) {
      plain.push(nodeToProto(n));
      continue;
    }
    if (plain.length) encoder.fields(f, GraphProto, { node: plain });
    plain = [];
    encoder.child(f, KEY.graphNode, nodeFrame(n, ctx));
  }
  if (plain.length) encoder.fields(f, GraphProto, { node: plain });
  for (const [name, t] of g.initializers) {
    const raw = inlineRaw(t, ctx);
    if (raw) encoder.tensor(f, KEY.graphInitializer, TensorProto, tensorHeader(t, name), raw);
    else encoder.fields(f, GraphProto, { initializer: [tensorToProto(t, name, ctx)] });
  }
  return f;
}

function holdsTensors(a: Attribute): a is Exclude<Attribute, PlainAttribute> {
  return a.kind === 'tensor' || a.kind === 'tensors' || a.kind === 'graph' || a.kind === 'graphs';
}

function nodeHoldsTensors(n: Node): boolean {
  for (const k in n.attrs) if (holdsTensors(n.attrs[k]!)) return true;
  return false;
}

function nodeHeader(n: Node): Msg {
  const p: Msg = { input: n.inputs, output: n.outputs, opType: n.opType };
  if (n.name) p.name = n.name;
  if (n.domain) p.domain = n.domain;
  if (n.doc !== undefined) p.docString = n.doc;
  Object.assign(p, n.extra ?? {});
  return p;
}

/** A node without tensor or graph attributes, as a protobufjs message. */
function nodeToProto(n: Node): Msg {
  const p = nodeHeader(n);
  p.attribute = Object.entries(n.attrs).map(([name, a]) => attributeToProto(name, a as PlainAttribute));
  return p;
}

/** A node with tensor or graph attributes: those attributes are frames, the rest encoded as they are. */
function nodeFrame(n: Node, ctx: Ctx): Frame {
  const { encoder } = ctx;
  const f = new Frame();
  encoder.fields(f, NodeProto, nodeHeader(n));
  for (const name in n.attrs) {
    const a = n.attrs[name]!;
    if (holdsTensors(a)) encoder.child(f, KEY.nodeAttribute, attributeFrame(name, a, ctx));
    else encoder.fields(f, NodeProto, { attribute: [attributeToProto(name, a)] });
  }
  return f;
}

function attributeFrame(name: string, a: Exclude<Attribute, PlainAttribute>, ctx: Ctx): Frame {
  const { encoder } = ctx;
  const f = new Frame();
  const p: Msg = { name, type: ATTR_TYPE[a.kind] };
  if (a.doc !== undefined) p.docString = a.doc;
  encoder.fields(f, AttributeProto, p);
  if (a.kind === 'tensor') attributeTensor(f, a.value, false, ctx);
  else if (a.kind === 'tensors') for (const t of a.value) attributeTensor(f, t, true, ctx);
  else if (a.kind === 'graph') encoder.child(f, KEY.attributeG, graphFrame(a.value, ctx));
  else if (a.kind === 'graphs')
    for (const g of a.value) encoder.child(f, KEY.attributeGraphs, graphFrame(g, ctx));
  return f;
}

/** AttributeProto.t, or one of AttributeProto.tensors. */
function attributeTensor(f: Frame, t: Tensor, many: boolean, ctx: Ctx): void {
  const raw = inlineRaw(t, ctx);
  if (raw) {
    const key = many ? KEY.attributeTensors : KEY.attributeT;
    ctx.encoder.tensor(f, key, TensorProto, tensorHeader(t, undefined), raw);
  } else {
    const proto = tensorToProto(t, undefined, ctx);
    ctx.encoder.fields(f, AttributeProto, many ? { tensors: [proto] } : { t: proto });
  }
}

/** Attributes that hold no tensor or graph, which protobufjs encodes as they are. */
type PlainAttribute = Exclude<Attribute, { kind: 'tensor' | 'tensors' | 'graph' | 'graphs' }>;

function attributeToProto(name: string, a: PlainAttribute): Msg {
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
    case 'floats':
      p.floats = a.value;
      break;
    case 'ints':
      p.ints = a.value.map(int64);
      break;
    case 'strings':
      p.strings = a.value.map((s) => Buffer.from(s, 'utf8'));
      break;
  }
  return p;
}

/** The tensor's bytes if they go in its raw_data (rather than string_data, external data or nothing). */
function inlineRaw(t: Tensor, ctx: Ctx): Uint8Array | undefined {
  if (Array.isArray(t.data)) return undefined;
  const bytes = t.bytes();
  const n = bytes.byteLength;
  return n > 0 && !(ctx.external && n >= ctx.threshold) ? bytes : undefined;
}

/** A TensorProto's fields but its data (raw_data is added aligned by the encoder, see encode.ts). */
function tensorHeader(t: Tensor, name: string | undefined): Msg {
  const p: Msg = { dims: t.dims.map(int64), dataType: onnxCode(t.dtype) };
  const extra = t.extra ?? {};
  if (name !== undefined) p.name = name;
  else if (typeof extra.name === 'string') p.name = extra.name;
  if (extra.docString !== undefined) p.docString = extra.docString;
  if (extra.metadataProps) p.metadataProps = extra.metadataProps;
  return p;
}

/** The whole TensorProto as a protobufjs message (raw data included, not copied). */
export function tensorToProto(t: Tensor, name: string | undefined, ctx: TensorCtx = { threshold: 0 }): Msg {
  const p = tensorHeader(t, name);
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
