/**
 * Writes a TfliteModel as a schema-3 flatbuffer with identifier "TFL3". Buffer data is 16-byte aligned
 * (`force_align: 16`); operator codes carry both `builtin_code` and `deprecated_builtin_code`.
 * With `externalBuffers`, constant data goes after the flatbuffer and Buffer.offset/size point at it
 * (schema 3c, the layout of models over 2 GiB).
 */
import { Builder } from 'flatbuffers';
import type {
  TfliteBuffer,
  TfliteMetadata,
  TfliteModel,
  TfliteOperator,
  TfliteOperatorCode,
  TfliteQuantization,
  TfliteSignatureDef,
  TfliteSubgraph,
  TfliteTensor,
} from './model.js';
import { optionsSpec, type FieldSpec } from '../../tflite/ops/index.js';
import {
  BUFFER_ALIGNMENT,
  BUILTIN_OPTIONS_NAMES,
  FILE_IDENTIFIER,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  SCHEMA_VERSION,
  SLOT,
  SLOT_COUNT,
  TensorType,
} from './schema.js';

export interface WriteOptions {
  /** Put constant data after the flatbuffer (schema 3c) instead of inside it. */
  externalBuffers?: boolean;
  /**
   * Write equal int32 vectors (tensor shapes, operator inputs and outputs) once, every table that holds
   * one pointing at it. Off by default: files keep the bytes they always had.
   */
  shareEqualVectors?: boolean;
}

type Offset = number;
/** File offset of each externally stored buffer, by buffer index. */
type Placement = Map<number, bigint>;

export function writeTflite(model: TfliteModel, options: WriteOptions = {}): Uint8Array {
  const share = options.shareEqualVectors ?? false;
  if (!options.externalBuffers) return build(model, undefined, share);
  // Two passes: offsets are fixed-width fields, so a placeholder gives the flatbuffer's final size.
  const placeholder: Placement = new Map(dataBuffers(model).map((i) => [i, 2n]));
  const size = build(model, placeholder, share).length;
  const placement: Placement = new Map();
  let end = size;
  for (const i of dataBuffers(model)) {
    const at = align(end);
    placement.set(i, BigInt(at));
    end = at + model.buffers[i]!.data!.length;
  }
  const flatbuffer = build(model, placement, share);
  if (flatbuffer.length !== size) throw new Error('writeTflite: flatbuffer size changed between passes');
  const file = new Uint8Array(align(end));
  file.set(flatbuffer);
  for (const [i, at] of placement) file.set(model.buffers[i]!.data!, Number(at));
  return file;
}

const align = (n: number): number => Math.ceil(n / BUFFER_ALIGNMENT) * BUFFER_ALIGNMENT;

function dataBuffers(model: TfliteModel): number[] {
  return model.buffers.flatMap((b, i) => (b.data?.length ? [i] : []));
}

function build(model: TfliteModel, external: Placement | undefined, share: boolean): Uint8Array {
  const dataBytes = model.buffers.reduce((n, buf) => n + (buf.data?.length ?? 0), 0);
  const b = new Builder(external ? 1 << 16 : dataBytes + (1 << 16));
  if (share) sharingVectors.add(b);
  // Data first: built back to front, so it ends up at the end of the file.
  const buffers = model.buffers.map((buf, i) => writeBuffer(b, buf, external?.get(i)));
  const S = SLOT.Model;
  const fields = {
    buffers: offsets(b, buffers),
    operatorCodes: offsets(
      b,
      model.operatorCodes.map((c) => writeOperatorCode(b, c)),
    ),
    subgraphs: offsets(
      b,
      model.subgraphs.map((sg) => writeSubgraph(b, sg)),
    ),
    description: b.createString(model.description),
    metadata: offsets(
      b,
      model.metadata.map((m) => writeMetadata(b, m)),
    ),
    signatureDefs: offsets(
      b,
      model.signatureDefs.map((sd) => writeSignature(b, sd)),
    ),
    metadataBuffer: model.metadataBuffer ? int32Vector(b, model.metadataBuffer) : 0,
  };
  b.startObject(SLOT_COUNT.Model);
  b.addFieldInt32(S.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(S.operatorCodes, fields.operatorCodes, 0);
  b.addFieldOffset(S.subgraphs, fields.subgraphs, 0);
  b.addFieldOffset(S.description, fields.description, 0);
  b.addFieldOffset(S.buffers, fields.buffers, 0);
  b.addFieldOffset(S.metadataBuffer, fields.metadataBuffer, 0);
  b.addFieldOffset(S.metadata, fields.metadata, 0);
  b.addFieldOffset(S.signatureDefs, fields.signatureDefs, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array();
}

/** A table whose offset fields are given as [slot, offset] pairs and whose scalars `scalars` adds. */
function table(b: Builder, slots: number, refs: [number, Offset][], scalars: () => void = () => {}): Offset {
  b.startObject(slots);
  for (const [slot, offset] of refs) b.addFieldOffset(slot, offset, 0);
  scalars();
  return b.endObject();
}

function writeBuffer(b: Builder, buf: TfliteBuffer, externalAt: bigint | undefined): Offset {
  const S = SLOT.Buffer;
  const size = buf.data?.length ?? 0;
  if (externalAt !== undefined && size > 0) {
    return table(b, SLOT_COUNT.Buffer, [], () => {
      b.addFieldInt64(S.offset, externalAt, 0n);
      b.addFieldInt64(S.size, BigInt(size), 0n);
    });
  }
  let data = 0;
  if (buf.data && size > 0) {
    b.prep(BUFFER_ALIGNMENT, size); // the vector's first byte lands on a 16-byte boundary
    data = b.createByteVector(buf.data);
  }
  return table(b, SLOT_COUNT.Buffer, data ? [[S.data, data]] : []);
}

function writeOperatorCode(b: Builder, c: TfliteOperatorCode): Offset {
  const S = SLOT.OperatorCode;
  const custom = c.customCode !== undefined ? b.createString(c.customCode) : 0;
  return table(b, SLOT_COUNT.OperatorCode, custom ? [[S.customCode, custom]] : [], () => {
    b.addFieldInt8(S.deprecatedBuiltinCode, Math.min(c.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(S.version, c.version, 1);
    b.addFieldInt32(S.builtinCode, c.builtinCode, 0);
  });
}

function writeSubgraph(b: Builder, sg: TfliteSubgraph): Offset {
  const S = SLOT.SubGraph;
  return table(b, SLOT_COUNT.SubGraph, [
    [
      S.tensors,
      offsets(
        b,
        sg.tensors.map((t) => writeTensor(b, t)),
      ),
    ],
    [S.inputs, int32Vector(b, sg.inputs)],
    [S.outputs, int32Vector(b, sg.outputs)],
    [
      S.operators,
      offsets(
        b,
        sg.operators.map((op) => writeOperator(b, op)),
      ),
    ],
    [S.name, b.createString(sg.name)],
  ]);
}

function writeTensor(b: Builder, t: TfliteTensor): Offset {
  const S = SLOT.Tensor;
  const refs: [number, Offset][] = [
    [S.shape, int32Vector(b, t.shape)],
    [S.name, b.createString(t.name)],
  ];
  if (t.quantization) refs.push([S.quantization, writeQuantization(b, t.quantization)]);
  if (t.shapeSignature) refs.push([S.shapeSignature, int32Vector(b, t.shapeSignature)]);
  return table(b, SLOT_COUNT.Tensor, refs, () => {
    b.addFieldInt8(S.type, TensorType[t.type], 0);
    b.addFieldInt32(S.buffer, t.buffer, 0);
    b.addFieldInt8(S.isVariable, t.isVariable ? 1 : 0, 0);
    b.addFieldInt8(S.hasRank, t.hasRank ? 1 : 0, 0);
  });
}

/**
 * Quantization vectors with equal contents are written once and shared (flatbuffers allows any number of
 * references to one vector): per-channel zero points, all zeros, would otherwise cost 8 bytes per channel
 * per weight and bias tensor.
 */
const sharedVectors = new WeakMap<Builder, Map<string, Offset>>();
function shared(b: Builder, key: string, make: () => Offset): Offset {
  let cache = sharedVectors.get(b);
  if (!cache) sharedVectors.set(b, (cache = new Map()));
  let offset = cache.get(key);
  if (offset === undefined) cache.set(key, (offset = make()));
  return offset;
}

/**
 * Tensors with equal quantization parameters (pow2 activations share a handful of scales) point at one
 * QuantizationParameters table.
 */
function writeQuantization(b: Builder, q: TfliteQuantization): Offset {
  const key = `q${q.quantizedDimension}|${q.min?.join(',')}|${q.max?.join(',')}|${q.scale?.join(',')}|${q.zeroPoint?.join(',')}`;
  return shared(b, key, () => quantizationTable(b, q));
}

function quantizationTable(b: Builder, q: TfliteQuantization): Offset {
  const S = SLOT.QuantizationParameters;
  const refs: [number, Offset][] = [];
  if (q.min) refs.push([S.min, float32Vector(b, q.min)]);
  if (q.max) refs.push([S.max, float32Vector(b, q.max)]);
  const { scale, zeroPoint } = q;
  if (scale) refs.push([S.scale, shared(b, `s${scale.join(',')}`, () => float32Vector(b, scale))]);
  if (zeroPoint)
    refs.push([S.zeroPoint, shared(b, `z${zeroPoint.join(',')}`, () => int64Vector(b, zeroPoint))]);
  return table(b, SLOT_COUNT.QuantizationParameters, refs, () =>
    b.addFieldInt32(S.quantizedDimension, q.quantizedDimension, 0),
  );
}

function writeOperator(b: Builder, op: TfliteOperator): Offset {
  const S = SLOT.Operator;
  const refs: [number, Offset][] = [
    [S.inputs, int32Vector(b, op.inputs)],
    [S.outputs, int32Vector(b, op.outputs)],
  ];
  if (op.builtinOptionsType) refs.push([S.builtinOptions, writeOptions(b, op)]);
  if (op.customOptions) refs.push([S.customOptions, b.createByteVector(op.customOptions)]);
  if (op.mutatingVariableInputs) {
    refs.push([
      S.mutatingVariableInputs,
      vector(b, 1, op.mutatingVariableInputs, (v) => b.addInt8(v ? 1 : 0)),
    ]);
  }
  if (op.intermediates) refs.push([S.intermediates, int32Vector(b, op.intermediates)]);
  return table(b, SLOT_COUNT.Operator, refs, () => {
    b.addFieldInt32(S.opcodeIndex, op.opcodeIndex, 0);
    b.addFieldInt8(S.builtinOptionsType, op.builtinOptionsType, 0);
  });
}

function writeOptions(b: Builder, op: TfliteOperator): Offset {
  const spec = optionsSpec(op.builtinOptionsType);
  if (!spec) {
    const name = BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
    throw new Error(`writeTflite: builtin options table ${name} is not supported`);
  }
  const known = new Set(spec.fields.filter((f) => !f.deprecated).map((f) => f.name));
  const unknown = Object.keys(op.builtinOptions).filter((k) => !known.has(k));
  if (unknown.length) throw new Error(`writeTflite: ${spec.name} has no field ${unknown.join(', ')}`);
  const vectors = spec.fields.map((f) => {
    const v = op.builtinOptions[f.name];
    return f.type === 'int[]' && Array.isArray(v) ? int32Vector(b, v) : 0;
  });
  b.startObject(spec.fields.length);
  spec.fields.forEach((field, slot) => {
    const value = op.builtinOptions[field.name];
    if (value !== undefined && !field.deprecated) addField(b, slot, field, value, vectors[slot]!);
  });
  return b.endObject();
}

function addField(
  b: Builder,
  slot: number,
  field: FieldSpec,
  value: number | boolean | number[],
  vec: Offset,
): void {
  const bad = (): never => {
    throw new TypeError(
      `writeTflite: option ${field.name} must be ${field.type}, got ${JSON.stringify(value)}`,
    );
  };
  switch (field.type) {
    case 'bool':
      if (typeof value !== 'boolean') bad();
      return b.addFieldInt8(slot, value ? 1 : 0, field.default ? 1 : 0);
    case 'byte':
      if (typeof value !== 'number') bad();
      return b.addFieldInt8(slot, value as number, field.default as number);
    case 'int':
      if (typeof value !== 'number') bad();
      return b.addFieldInt32(slot, value as number, field.default as number);
    case 'float':
      if (typeof value !== 'number') bad();
      return b.addFieldFloat32(slot, value as number, field.default as number);
    case 'int[]':
      if (!Array.isArray(value)) bad();
      return b.addFieldOffset(slot, vec, 0);
  }
}

function writeMetadata(b: Builder, m: TfliteMetadata): Offset {
  const name = b.createString(m.name);
  return table(b, SLOT_COUNT.Metadata, [[SLOT.Metadata.name, name]], () =>
    b.addFieldInt32(SLOT.Metadata.buffer, m.buffer, 0),
  );
}

function writeSignature(b: Builder, sd: TfliteSignatureDef): Offset {
  const S = SLOT.SignatureDef;
  const maps = (list: TfliteSignatureDef['inputs']): Offset =>
    offsets(
      b,
      list.map((m) =>
        table(b, SLOT_COUNT.TensorMap, [[SLOT.TensorMap.name, b.createString(m.name)]], () =>
          b.addFieldInt32(SLOT.TensorMap.tensorIndex, m.tensorIndex, 0),
        ),
      ),
    );
  const inputs = maps(sd.inputs);
  const outputs = maps(sd.outputs);
  const key = b.createString(sd.signatureKey);
  return table(
    b,
    SLOT_COUNT.SignatureDef,
    [
      [S.inputs, inputs],
      [S.outputs, outputs],
      [S.signatureKey, key],
    ],
    () => b.addFieldInt32(S.subgraphIndex, sd.subgraphIndex, 0),
  );
}

function vector<T>(b: Builder, size: number, items: readonly T[], add: (item: T) => void): Offset {
  b.startVector(size, items.length, size);
  for (let i = items.length - 1; i >= 0; i--) add(items[i]!);
  return b.endVector();
}

/** Builders that write equal int32 vectors once (WriteOptions.shareEqualVectors). */
const sharingVectors = new WeakSet<Builder>();
const int32Vector = (b: Builder, v: readonly number[]): Offset => {
  const make = () => vector(b, 4, v, (x) => b.addInt32(x));
  return sharingVectors.has(b) ? shared(b, `i${v.join(',')}`, make) : make();
};
const float32Vector = (b: Builder, v: readonly number[]): Offset => vector(b, 4, v, (x) => b.addFloat32(x));
const int64Vector = (b: Builder, v: readonly number[]): Offset =>
  vector(b, 8, v, (x) => b.addInt64(BigInt(x)));
const offsets = (b: Builder, v: readonly Offset[]): Offset => vector(b, 4, v, (x) => b.addOffset(x));
