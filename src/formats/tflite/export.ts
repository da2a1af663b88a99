/**
 * IR → TFLite. The graph must already speak TFLite: every node of domain 'tflite' (the importer's nodes,
 * or what a lowering pass produced). Tensors are numbered in order of first use, constants get one
 * buffer each (shared when two constants view the same bytes, and with `shareEqualConstants` also when
 * they hold the same bytes and are small: reduction axes, paddings, permutations), and each operator gets
 * the version
 * TFLite's versioning rules require, never lower than the version it was read with.
 */
import { UnsupportedOpError } from '../../errors.js';
import type { Dim, Graph, Model, Node, ValueType } from '../../ir/graph.js';
import type { QParams } from '../../ir/qparams.js';
import type { Tensor } from '../../ir/tensor.js';
import {
  TFLITE_TYPE_OF,
  type TfliteModelExtra,
  type TfliteNodeExtra,
  type TfliteTensorExtra,
} from './ir-extras.js';
import type {
  OptionValue,
  TfliteBuffer,
  TfliteModel,
  TfliteOperator,
  TfliteOperatorCode,
  TfliteTensor,
} from './model.js';
import { builtinOf, SUPPORTED_BUILTINS } from '../../tflite/ops/index.js';
import {
  BuiltinOperator,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  SCHEMA_VERSION,
  type TensorTypeName,
} from './schema.js';
import { restoreSubgraphs } from './subgraphs.js';
import { SCHEME_ENTRY, schemeEntryData } from './scheme-entry.js';
import { opVersion, type TensorSig } from './versions.js';
import { writeTflite, type WriteOptions } from './write.js';

export interface ExportOptions extends WriteOptions {
  /**
   * Constants of at most SHARED_BUFFER_BYTES with equal bytes share one buffer. Off by default, so that
   * a conversion gives the same bytes as it always has (the committed examples are pinned byte for byte).
   */
  shareEqualConstants?: boolean;
}

/** The model as .tflite bytes. */
export function exportTflite(model: Model, options: ExportOptions = {}): Uint8Array {
  return writeTflite(irToTflite(model, options), options);
}

interface Ctx {
  g: Graph;
  tensors: TfliteTensor[];
  index: Map<string, number>;
  buffers: TfliteBuffer[];
  /** Buffer index of each distinct byte range already stored (same ArrayBuffer, offset and length). */
  stored: Map<ArrayBufferLike, Map<string, number>>;
  /** Buffer index of each small content already stored, by its bytes (when sharing equal constants). */
  small?: Map<string, number>;
  types: Map<string, ValueType | undefined>;
}

export function irToTflite(
  model: Model,
  options: Pick<ExportOptions, 'shareEqualConstants'> = {},
): TfliteModel {
  const g = model.graph;
  for (const node of g.nodes) checkNode(node);
  const ctx: Ctx = {
    g,
    tensors: [],
    index: new Map(),
    buffers: [{}],
    stored: new Map(),
    small: options.shareEqualConstants ? new Map() : undefined,
    types: typesOf(g),
  };
  const inputs = g.inputs.map((v) => tensorIndex(ctx, v.name));
  const codes: TfliteOperatorCode[] = [];
  const operators = g.nodes.map((node) => operatorOf(ctx, node, codes));
  const outputs = g.outputs.map((v) => tensorIndex(ctx, v.name));
  const extra = model.extra?.tflite as TfliteModelExtra | undefined;
  const kept = restoreSubgraphs(
    extra?.subgraphs ?? [],
    (data) => storeBuffer(ctx, data),
    (code) => codeIndex(codes, code),
  );
  const metadataIndex = (data: Uint8Array): number => storeBuffer(ctx, data);
  const metadata = [
    ...(extra?.metadata ?? []).filter((m) => m.name !== SCHEME_ENTRY),
    ...(model.quantScheme ? [{ name: SCHEME_ENTRY, data: schemeEntryData(model.quantScheme) }] : []),
  ];
  return {
    version: SCHEMA_VERSION,
    description: model.doc ?? '',
    operatorCodes: codes,
    subgraphs: [{ name: g.name, tensors: ctx.tensors, inputs, outputs, operators }, ...kept],
    buffers: ctx.buffers,
    metadata: metadata.map((m) => ({ name: m.name, buffer: metadataIndex(m.data) })),
    ...(extra?.metadataBuffers.length ? { metadataBuffer: extra.metadataBuffers.map(metadataIndex) } : {}),
    signatureDefs: (extra?.signatureDefs ?? []).map((s) => ({
      signatureKey: s.signatureKey,
      subgraphIndex: 0,
      inputs: s.inputs.map((m) => ({ name: m.name, tensorIndex: tensorIndex(ctx, m.value) })),
      outputs: s.outputs.map((m) => ({ name: m.name, tensorIndex: tensorIndex(ctx, m.value) })),
    })),
  };
}

function checkNode(node: Node): void {
  if (node.domain !== 'tflite' || !SUPPORTED_BUILTINS.includes(node.opType)) {
    const op = node.domain && node.domain !== 'tflite' ? `${node.domain}.${node.opType}` : node.opType;
    throw new UnsupportedOpError(node.name, op, SUPPORTED_BUILTINS, 'in TFLite export');
  }
}

function typesOf(g: Graph): Map<string, ValueType | undefined> {
  const types = new Map<string, ValueType | undefined>();
  for (const v of [...g.valueInfo.values(), ...g.inputs, ...g.outputs]) types.set(v.name, v.type);
  return types;
}

function extrasOf(g: Graph, name: string): Record<string, unknown> | undefined {
  return (
    g.initializers.get(name)?.extra ??
    g.valueInfo.get(name)?.extra ??
    g.inputs.find((v) => v.name === name)?.extra ??
    g.outputs.find((v) => v.name === name)?.extra
  );
}

/** The tensor index of a value, creating the tensor on first use. */
function tensorIndex(ctx: Ctx, name: string): number {
  if (name === '') return -1;
  const known = ctx.index.get(name);
  if (known !== undefined) return known;
  const constant = ctx.g.initializers.get(name);
  const tensor = constant ? constantTensor(ctx, name, constant) : valueTensor(ctx, name);
  applyExtras(tensor, extrasOf(ctx.g, name));
  const q = ctx.g.quantOf(name);
  if (q) tensor.quantization = quantizationOf(q);
  ctx.tensors.push(tensor);
  ctx.index.set(name, ctx.tensors.length - 1);
  return ctx.tensors.length - 1;
}

function tfliteType(name: string, dtype: string): TensorTypeName {
  const type = TFLITE_TYPE_OF[dtype as keyof typeof TFLITE_TYPE_OF];
  if (!type) throw new Error(`TFLite export: value '${name}' is ${dtype}, which TFLite cannot store`);
  return type;
}

function constantTensor(ctx: Ctx, name: string, t: Tensor): TfliteTensor {
  return {
    name,
    shape: [...t.dims],
    type: tfliteType(name, t.dtype),
    buffer: t.size > 0 ? storeBuffer(ctx, t.bytes(), ctx.small) : 0,
    isVariable: false,
    hasRank: false,
  };
}

/** TFLite writes 1 in `shape` and -1 in `shape_signature` for a dimension unknown until run time. */
function valueTensor(ctx: Ctx, name: string): TfliteTensor {
  const type = ctx.types.get(name);
  // A .tflite input whose tensor the import could not type (a damaged shape signature) ends here; the
  // pipeline names the input file (UnknownTensorTypeError is a format error of that file, not a bug).
  if (type?.kind !== 'tensor') throw new UnknownTensorTypeError(name);
  const dims: Dim[] = type.shape ?? [];
  const tensor: TfliteTensor = {
    name,
    shape: dims.map((d) => (typeof d === 'number' ? d : 1)),
    type: tfliteType(name, type.dtype),
    buffer: 0,
    isVariable: false,
    hasRank: false,
  };
  if (dims.some((d) => typeof d !== 'number'))
    tensor.shapeSignature = dims.map((d) => (typeof d === 'number' ? d : -1));
  return tensor;
}

function applyExtras(tensor: TfliteTensor, extra: Record<string, unknown> | undefined): void {
  const tfl = extra?.tflite as TfliteTensorExtra | undefined;
  if (tfl?.name !== undefined) tensor.name = tfl.name;
  if (tfl?.hasRank) tensor.hasRank = true;
  if (tfl?.isVariable) tensor.isVariable = true;
  if (tfl?.shapeSignature && !tensor.shapeSignature) tensor.shapeSignature = [...tensor.shape];
}

/** The IR's parameters as TFLite's QuantizationParameters (scales are written as float32). */
function quantizationOf(q: QParams): TfliteTensor['quantization'] {
  return {
    scale: Array.from(q.scale),
    zeroPoint: Array.from(q.zeroPoint),
    quantizedDimension: q.axis ?? 0,
    ...(q.min ? { min: q.min } : {}),
    ...(q.max ? { max: q.max } : {}),
  };
}

/** Constants of at most this many bytes share a buffer with any other constant of the same bytes. */
export const SHARED_BUFFER_BYTES = 256;

function storeBuffer(ctx: Ctx, data: Uint8Array, byContent?: Map<string, number>): number {
  let byRange = ctx.stored.get(data.buffer);
  if (!byRange) ctx.stored.set(data.buffer, (byRange = new Map()));
  const key = `${data.byteOffset}:${data.byteLength}`;
  const known = byRange.get(key);
  if (known !== undefined) return known;
  const content =
    byContent && data.length > 0 && data.length <= SHARED_BUFFER_BYTES
      ? Buffer.from(data).toString('latin1')
      : undefined;
  const same = content === undefined ? undefined : byContent!.get(content);
  if (same !== undefined) {
    byRange.set(key, same);
    return same;
  }
  ctx.buffers.push(data.length ? { data } : {});
  byRange.set(key, ctx.buffers.length - 1);
  if (content !== undefined) byContent!.set(content, ctx.buffers.length - 1);
  return ctx.buffers.length - 1;
}

function operatorOf(ctx: Ctx, node: Node, codes: TfliteOperatorCode[]): TfliteOperator {
  const inputs = node.inputs.map((name) => tensorIndex(ctx, name));
  const outputs = node.outputs.map((name) => tensorIndex(ctx, name));
  const custom = node.opType === 'CUSTOM';
  const options = custom ? {} : optionValues(node);
  const sig = (i: number): TensorSig => signatureOf(i < 0 ? undefined : ctx.tensors[i]);
  const computed = opVersion(node.opType, { inputs: inputs.map(sig), outputs: outputs.map(sig), options });
  const read = (node.extra?.tflite as TfliteNodeExtra | undefined)?.version ?? 1;
  const code: TfliteOperatorCode = {
    builtinCode: BuiltinOperator[node.opType]!,
    deprecatedBuiltinCode: Math.min(BuiltinOperator[node.opType]!, PLACEHOLDER_FOR_GREATER_OP_CODES),
    version: Math.max(computed, read),
  };
  if (custom) code.customCode = stringAttr(node, 'custom_code');
  const op: TfliteOperator = {
    opcodeIndex: codeIndex(codes, code),
    inputs,
    outputs,
    builtinOptionsType: Object.keys(options).length ? (builtinOf(node.opType)?.options?.typeId ?? 0) : 0,
    builtinOptions: options,
  };
  const customOptions = node.attrs.custom_options;
  if (custom && customOptions?.kind === 'tensor') op.customOptions = customOptions.value.bytes();
  return op;
}

function codeIndex(codes: TfliteOperatorCode[], code: TfliteOperatorCode): number {
  const same = (c: TfliteOperatorCode) =>
    c.builtinCode === code.builtinCode && c.customCode === code.customCode && c.version === code.version;
  const found = codes.findIndex(same);
  if (found >= 0) return found;
  codes.push(code);
  return codes.length - 1;
}

function stringAttr(node: Node, name: string): string {
  const a = node.attrs[name];
  if (a?.kind !== 'string')
    throw new Error(`TFLite export: node '${node.name}' has no string attribute ${name}`);
  return a.value;
}

/** Attributes back to option values, by the field types of the op's options table. */
function optionValues(node: Node): Record<string, OptionValue> {
  const spec = builtinOf(node.opType)?.options;
  const values: Record<string, OptionValue> = {};
  for (const field of spec?.fields ?? []) {
    const a = node.attrs[field.name];
    if (!a || field.deprecated) continue;
    if (a.kind === 'ints') values[field.name] = [...a.value];
    else if (a.kind === 'int' || a.kind === 'float')
      values[field.name] = field.type === 'bool' ? a.value !== 0 : a.value;
    else throw new Error(`TFLite export: attribute ${field.name} of node '${node.name}' is a ${a.kind}`);
  }
  const unknown = Object.keys(node.attrs).filter((k) => !spec?.fields.some((f) => f.name === k));
  if (unknown.length) {
    throw new Error(
      `TFLite export: node '${node.name}' (${node.opType}) has attributes TFLite has no field for: ${unknown.join(', ')}`,
    );
  }
  return values;
}

function signatureOf(t: TfliteTensor | undefined): TensorSig {
  if (!t) return { shape: [], scales: 0 };
  const scales = t.quantization?.scale ?? [];
  return {
    type: t.type,
    shape: t.shapeSignature ?? t.shape,
    scales: scales.length,
    scale: scales.length === 1 ? scales[0] : undefined,
  };
}

/** A value the exporter cannot write: the graph never gave it a tensor type. */
export class UnknownTensorTypeError extends Error {
  constructor(readonly value: string) {
    super(`TFLite export: value '${value}' has no known tensor type`);
    this.name = 'UnknownTensorTypeError';
  }
}
