import fs from 'node:fs';
import path from 'node:path';
import { ModelFormatError } from '../../errors.js';
import { dtypeFromOnnx, isPacked, type DType } from '../../ir/dtype.js';
import {
  Graph,
  type Attribute,
  type Dim,
  type Model,
  type Node,
  type ValueInfo,
  type ValueType,
} from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { ATTR_TYPE, DATA_LOCATION_EXTERNAL, ModelProto } from './schema.js';
import { readExternal } from './external.js';

type Msg = Record<string, any>;
type Long = { toNumber(): number; high: number; low: number };

interface Ctx {
  file: string;
  baseDir: string;
  externalFiles?: Set<string>;
}

export interface OnnxReadOptions {
  /** Shown in errors. */
  file?: string;
  /** Folder that external data locations are relative to (default: the file's folder). */
  baseDir?: string;
  /** Collects the paths of the external data files the weights were read from. */
  externalFiles?: Set<string>;
}

/** Reads an ONNX file into the IR. */
export function readOnnxFile(file: string, opts: Pick<OnnxReadOptions, 'externalFiles'> = {}): Model {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(
      file,
      `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  return importOnnx(bytes, { ...opts, file, baseDir: path.dirname(file) });
}

/**
 * Decodes ONNX bytes into the IR. The importer translates and decides nothing: every node, attribute
 * and type is kept; what the IR has no field for goes to `extra` and is written back as read.
 * Weights view `bytes` where alignment allows (pass a Buffer to get views rather than copies).
 */
export function importOnnx(bytes: Uint8Array, opts: OnnxReadOptions = {}): Model {
  const ctx: Ctx = {
    file: opts.file ?? '<bytes>',
    baseDir: opts.baseDir ?? '.',
    externalFiles: opts.externalFiles,
  };
  if (bytes.byteLength === 0)
    throw new ModelFormatError(ctx.file, 'the file is empty; expected an ONNX model');
  if (bytes.byteLength >= 8 && Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'TFL3') {
    throw new ModelFormatError(ctx.file, 'this is a TFLite model, not ONNX; give it a .tflite extension');
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let proto: Msg;
  try {
    proto = ModelProto.decode(buf) as Msg;
  } catch (e) {
    const message = (e as Error).message;
    const hint = /index out of range/.test(message)
      ? 'the file ends early: is it truncated?'
      : 'is it damaged, or not ONNX?';
    throw new ModelFormatError(ctx.file, `not a valid ONNX model (protobuf: ${message}); ${hint}`);
  }
  if (!proto.graph) throw new ModelFormatError(ctx.file, 'not a valid ONNX model: it has no graph');
  try {
    return modelFromProto(proto, ctx);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(ctx.file, `not a valid ONNX model: ${(e as Error).message}`);
  }
}

function modelFromProto(p: Msg, ctx: Ctx): Model {
  const extra: Record<string, unknown> = {};
  if (p.trainingInfo?.length) extra.trainingInfo = p.trainingInfo;
  if (p.functions?.length) extra.functions = p.functions;
  if (p.configuration?.length) extra.configuration = p.configuration;
  return {
    format: 'onnx',
    irVersion: num(p.irVersion),
    opsetImports: (p.opsetImport as Msg[]).map((o) => ({ domain: o.domain ?? '', version: num(o.version) })),
    producerName: own(p, 'producerName') ? p.producerName : undefined,
    producerVersion: own(p, 'producerVersion') ? p.producerVersion : undefined,
    domain: own(p, 'domain') ? p.domain : undefined,
    modelVersion: own(p, 'modelVersion') ? num(p.modelVersion) : undefined,
    doc: own(p, 'docString') ? p.docString : undefined,
    metadata: (p.metadataProps as Msg[]).map((m) => ({ key: m.key, value: m.value })),
    graph: graphFromProto(p.graph, ctx),
    extra: Object.keys(extra).length ? extra : undefined,
  };
}

function graphFromProto(p: Msg, ctx: Ctx): Graph {
  const g = new Graph();
  g.name = p.name ?? '';
  if (own(p, 'docString')) g.doc = p.docString;
  for (const t of p.initializer as Msg[]) g.initializers.set(t.name, tensorFromProto(t, ctx));
  g.inputs = (p.input as Msg[]).map(valueFromProto);
  g.outputs = (p.output as Msg[]).map(valueFromProto);
  for (const v of p.valueInfo as Msg[]) g.valueInfo.set(v.name, valueFromProto(v));
  g.nodes = (p.node as Msg[]).map((n) => nodeFromProto(n, ctx));
  const extra: Record<string, unknown> = {};
  if (p.sparseInitializer?.length) extra.sparseInitializer = p.sparseInitializer;
  if (p.quantizationAnnotation?.length) extra.quantizationAnnotation = p.quantizationAnnotation;
  if (p.metadataProps?.length) extra.metadataProps = p.metadataProps;
  // Value infos appear in a list in the file; remember their order so a rewrite keeps it.
  if (Object.keys(extra).length) g.extra = extra;
  return g;
}

function nodeFromProto(p: Msg, ctx: Ctx): Node {
  const attrs: Record<string, Attribute> = {};
  for (const a of p.attribute as Msg[]) {
    attrs[a.name] = attributeFromProto(a, ctx, `node '${p.name ?? ''}' (${p.opType ?? '?'})`);
  }
  const node: Node = {
    name: p.name ?? '',
    opType: p.opType ?? '',
    domain: p.domain ?? '',
    inputs: [...(p.input as string[])],
    outputs: [...(p.output as string[])],
    attrs,
  };
  if (own(p, 'docString')) node.doc = p.docString;
  const extra: Record<string, unknown> = {};
  if (own(p, 'overload')) extra.overload = p.overload;
  if (p.metadataProps?.length) extra.metadataProps = p.metadataProps;
  if (p.deviceConfigurations?.length) extra.deviceConfigurations = p.deviceConfigurations;
  if (Object.keys(extra).length) node.extra = extra;
  return node;
}

/** The field holding an attribute's value, for the types whose value has no default. */
const PAYLOAD: Record<number, [field: string, kind: string]> = {
  [ATTR_TYPE.string]: ['s', 'string'],
  [ATTR_TYPE.tensor]: ['t', 'tensor'],
  [ATTR_TYPE.graph]: ['g', 'graph'],
};

function attributeFromProto(a: Msg, ctx: Ctx, where: string): Attribute {
  const doc = own(a, 'docString') ? { doc: a.docString as string } : {};
  if (own(a, 'refAttrName')) return { kind: 'opaque', value: a, ...doc };
  const type = attributeType(a);
  const payload = PAYLOAD[type];
  if (payload && (!own(a, payload[0]) || a[payload[0]] == null)) {
    throw new ModelFormatError(ctx.file, `${where}: attribute '${a.name}' is a ${payload[1]} but holds none`);
  }
  switch (type) {
    case ATTR_TYPE.float:
      return { kind: 'float', value: a.f, ...doc };
    case ATTR_TYPE.int:
      return { kind: 'int', value: num(a.i), ...doc };
    case ATTR_TYPE.string:
      return { kind: 'string', value: utf8(a.s), ...doc };
    case ATTR_TYPE.tensor:
      return { kind: 'tensor', value: attributeTensor(a.t, ctx), ...doc };
    case ATTR_TYPE.graph:
      return { kind: 'graph', value: graphFromProto(a.g, ctx), ...doc };
    case ATTR_TYPE.floats:
      return { kind: 'floats', value: [...(a.floats as number[])], ...doc };
    case ATTR_TYPE.ints:
      return { kind: 'ints', value: (a.ints as Long[]).map(num), ...doc };
    case ATTR_TYPE.strings:
      return { kind: 'strings', value: (a.strings as Uint8Array[]).map(utf8), ...doc };
    case ATTR_TYPE.tensors:
      return { kind: 'tensors', value: (a.tensors as Msg[]).map((t) => attributeTensor(t, ctx)), ...doc };
    case ATTR_TYPE.graphs:
      return { kind: 'graphs', value: (a.graphs as Msg[]).map((g) => graphFromProto(g, ctx)), ...doc };
    default:
      return { kind: 'opaque', value: a, ...doc };
  }
}

/** An attribute's tensor keeps its own name (an initializer's name is its key in the graph instead). */
function attributeTensor(p: Msg, ctx: Ctx): Tensor {
  const t = tensorFromProto(p, ctx);
  if (p.name) t.extra = { ...t.extra, name: p.name };
  return t;
}

/** The attribute's type: its discriminator, or (IR version 1 files) the field that is set. */
function attributeType(a: Msg): number {
  if (own(a, 'type') && a.type !== 0) return a.type;
  if (own(a, 'f')) return ATTR_TYPE.float;
  if (own(a, 'i')) return ATTR_TYPE.int;
  if (own(a, 's')) return ATTR_TYPE.string;
  if (a.t) return ATTR_TYPE.tensor;
  if (a.g) return ATTR_TYPE.graph;
  if (a.floats.length) return ATTR_TYPE.floats;
  if (a.ints.length) return ATTR_TYPE.ints;
  if (a.strings.length) return ATTR_TYPE.strings;
  if (a.tensors.length) return ATTR_TYPE.tensors;
  if (a.graphs.length) return ATTR_TYPE.graphs;
  return 0;
}

function valueFromProto(p: Msg): ValueInfo {
  const v: ValueInfo = { name: p.name ?? '' };
  if (p.type) v.type = typeFromProto(p.type);
  if (own(p, 'docString')) v.doc = p.docString;
  if (p.metadataProps?.length) v.extra = { metadataProps: p.metadataProps };
  return v;
}

function typeFromProto(t: Msg): ValueType {
  const tt = t.tensorType;
  const dtype = tt ? dtypeFromOnnx(tt.elemType) : undefined;
  const plain =
    tt &&
    dtype &&
    !own(t, 'denotation') &&
    !(tt.shape?.dim as Msg[] | undefined)?.some((d) => own(d, 'denotation'));
  if (!plain) return { kind: 'opaque', proto: t };
  const shape: Dim[] | undefined = tt.shape
    ? (tt.shape.dim as Msg[]).map((d) =>
        own(d, 'dimValue') ? num(d.dimValue) : own(d, 'dimParam') ? d.dimParam : null,
      )
    : undefined;
  return shape ? { kind: 'tensor', dtype: dtype!, shape } : { kind: 'tensor', dtype: dtype! };
}

export function tensorFromProto(p: Msg, ctx: Ctx): Tensor {
  const dtype = dtypeFromOnnx(p.dataType);
  const name = p.name || '(unnamed)';
  if (!dtype) throw new ModelFormatError(ctx.file, `tensor '${name}' has unknown data type ${p.dataType}`);
  const dims = (p.dims as Long[]).map(num);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ModelFormatError(ctx.file, `tensor '${name}' has invalid dims [${dims.join(', ')}]`);
  }
  let tensor: Tensor;
  try {
    tensor = tensorData(p, dtype, dims, ctx);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(ctx.file, `tensor '${name}': ${(e as Error).message}`);
  }
  const extra: Record<string, unknown> = {};
  if (own(p, 'docString')) extra.docString = p.docString;
  if (p.metadataProps?.length) extra.metadataProps = p.metadataProps;
  if (p.segment) extra.segment = p.segment;
  if (Object.keys(extra).length) tensor.extra = extra;
  return tensor;
}

function tensorData(p: Msg, dtype: DType, dims: number[], ctx: Ctx): Tensor {
  if (p.dataLocation === DATA_LOCATION_EXTERNAL) {
    return Tensor.fromBytes(dtype, dims, readExternal(p.externalData, dtype, dims, p.name, ctx));
  }
  if (own(p, 'rawData') && dtype !== 'string') return Tensor.fromBytes(dtype, dims, p.rawData);
  switch (dtype) {
    case 'string':
      return new Tensor(dtype, dims, (p.stringData as Uint8Array[]).map(utf8));
    case 'float32':
    case 'complex64':
      return new Tensor(dtype, dims, Float32Array.from(p.floatData as number[]));
    case 'float64':
    case 'complex128':
      return new Tensor(dtype, dims, Float64Array.from(p.doubleData as number[]));
    case 'int64':
      return new Tensor(
        dtype,
        dims,
        BigInt64Array.from(p.int64Data as Long[], (v) => bigint(v, false)),
      );
    case 'uint32':
      return new Tensor(
        dtype,
        dims,
        Uint32Array.from(p.uint64Data as Long[], (v) => num(v)),
      );
    case 'uint64':
      return new Tensor(
        dtype,
        dims,
        BigUint64Array.from(p.uint64Data as Long[], (v) => bigint(v, true)),
      );
    default: {
      // int32_data carries every narrower type: one value per element (float16/bfloat16/float8 as bit
      // patterns), and for the packed 4-bit and 2-bit types one byte of packed values per entry.
      const src = p.int32Data as number[];
      const tmp = Tensor.fromBytes(dtype, dims, new Uint8Array(packedOrWide(dtype, src)));
      return tmp;
    }
  }
}

function packedOrWide(dtype: DType, src: number[]): ArrayBuffer {
  if (isPacked(dtype)) return Uint8Array.from(src, (v) => v & 0xff).buffer;
  switch (dtype) {
    case 'int32':
      return Int32Array.from(src).buffer;
    case 'int16':
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return Uint16Array.from(src, (v) => v & 0xffff).buffer;
    default:
      return Uint8Array.from(src, (v) => v & 0xff).buffer;
  }
}

function own(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** int64 fields arrive as Long; the IR uses numbers (exact to 2^53, which covers every real dim). */
function num(v: Long | number | undefined | null): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function bigint(v: Long | number, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const x = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? x : BigInt.asIntN(64, x);
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}
