/**
 * Reads a .tflite flatbuffer into a TfliteModel. Every offset, length and index is checked, so a damaged
 * or hostile file ends in a ModelFormatError naming it, never another exception, a hang or a huge
 * allocation. Constant data stays a view into `bytes`.
 */
import { CheckedReader, type Table } from './checked-reader.js';
import type {
  OptionValue,
  TfliteBuffer,
  TfliteModel,
  TfliteOperator,
  TfliteOperatorCode,
  TfliteQuantization,
  TfliteSignatureDef,
  TfliteSubgraph,
  TfliteTensor,
} from './model.js';
import { optionsSpec } from '../../tflite/ops/index.js';
import { FILE_IDENTIFIER, SLOT, TENSOR_TYPE_NAMES } from './schema.js';

export function readTflite(bytes: Uint8Array, fileName: string): TfliteModel {
  const r = new CheckedReader(bytes, fileName);
  if (bytes.length < 8) r.fail(`too short to be a TFLite model (${bytes.length} bytes)`);
  const id = String.fromCharCode(...bytes.subarray(4, 8));
  if (id !== FILE_IDENTIFIER)
    r.fail(`not a TFLite model (file identifier '${printable(id)}', expected 'TFL3')`);
  const root = r.table(r.u32(0, 'root offset'), 'Model');
  const model = readModel(r, root);
  validate(r, model);
  return model;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

function readModel(r: CheckedReader, t: Table): TfliteModel {
  const S = SLOT.Model;
  if (r.ref(t, S.externalBuffers, 'Model.external_buffers')) {
    r.fail('the model keeps weights in external files (Model.external_buffers), which is not supported');
  }
  const model: TfliteModel = {
    version: r.uint32(t, S.version, 0, 'Model.version'),
    description: r.string(t, S.description, 'Model.description') ?? '',
    operatorCodes: r.tables(t, S.operatorCodes, 'operator_codes', (c) => readOperatorCode(r, c)),
    subgraphs: r.tables(t, S.subgraphs, 'subgraphs', (s, i) => readSubgraph(r, s, `subgraphs[${i}]`)),
    buffers: r.tables(t, S.buffers, 'buffers', (b, i) => readBuffer(r, b, `buffers[${i}]`)),
    metadata: r.tables(t, S.metadata, 'metadata', (m, i) => ({
      name: r.string(m, SLOT.Metadata.name, `metadata[${i}].name`) ?? '',
      buffer: r.uint32(m, SLOT.Metadata.buffer, 0, `metadata[${i}].buffer`),
    })),
    signatureDefs: r.tables(t, S.signatureDefs, 'signature_defs', (s, i) => readSignature(r, s, i)),
  };
  const metadataBuffer = r.int32s(t, S.metadataBuffer, 'Model.metadata_buffer');
  if (metadataBuffer) model.metadataBuffer = metadataBuffer;
  return model;
}

function readOperatorCode(r: CheckedReader, t: Table): TfliteOperatorCode {
  const S = SLOT.OperatorCode;
  const deprecatedBuiltinCode = r.int8(t, S.deprecatedBuiltinCode, 0, 'OperatorCode.deprecated_builtin_code');
  const builtinCode = r.int32(t, S.builtinCode, 0, 'OperatorCode.builtin_code');
  const code: TfliteOperatorCode = {
    // Schema 3a: files from before `builtin_code` existed only set the byte; newer ones set both.
    builtinCode: Math.max(builtinCode, deprecatedBuiltinCode),
    deprecatedBuiltinCode,
    version: r.int32(t, S.version, 1, 'OperatorCode.version'),
  };
  const customCode = r.string(t, S.customCode, 'OperatorCode.custom_code');
  if (customCode !== undefined) code.customCode = customCode;
  return code;
}

function readSubgraph(r: CheckedReader, t: Table, where: string): TfliteSubgraph {
  const S = SLOT.SubGraph;
  return {
    name: r.string(t, S.name, `${where}.name`) ?? '',
    tensors: r.tables(t, S.tensors, `${where}.tensors`, (x, i) => readTensor(r, x, `${where}.tensors[${i}]`)),
    inputs: r.int32s(t, S.inputs, `${where}.inputs`) ?? [],
    outputs: r.int32s(t, S.outputs, `${where}.outputs`) ?? [],
    operators: r.tables(t, S.operators, `${where}.operators`, (o, i) =>
      readOperator(r, o, `${where}.operators[${i}]`),
    ),
  };
}

function readTensor(r: CheckedReader, t: Table, where: string): TfliteTensor {
  const S = SLOT.Tensor;
  const typeCode = r.int8(t, S.type, 0, `${where}.type`);
  const type = TENSOR_TYPE_NAMES[typeCode];
  if (type === undefined) r.fail(`${where}: unknown tensor type ${typeCode}`);
  if (r.ref(t, S.sparsity, where)) r.fail(`${where}: sparse tensors are not supported`);
  if (r.ref(t, S.variantTensors, where)) r.fail(`${where}: variant tensors are not supported`);
  if (r.uint32(t, S.externalBuffer, 0, where)) r.fail(`${where}: external weight files are not supported`);
  const tensor: TfliteTensor = {
    name: r.string(t, S.name, `${where}.name`) ?? '',
    shape: r.int32s(t, S.shape, `${where}.shape`) ?? [],
    type,
    buffer: r.uint32(t, S.buffer, 0, `${where}.buffer`),
    isVariable: r.bool(t, S.isVariable, false, `${where}.is_variable`),
    hasRank: r.bool(t, S.hasRank, false, `${where}.has_rank`),
  };
  const signature = r.int32s(t, S.shapeSignature, `${where}.shape_signature`);
  if (signature) tensor.shapeSignature = signature;
  const q = r.child(t, S.quantization, `${where}.quantization`);
  if (q) tensor.quantization = readQuantization(r, q, `${where}.quantization`);
  return tensor;
}

function readQuantization(r: CheckedReader, t: Table, where: string): TfliteQuantization {
  const S = SLOT.QuantizationParameters;
  if (r.uint8(t, S.detailsType, 0, where) !== 0) r.fail(`${where}: quantization details are not supported`);
  const q: TfliteQuantization = {
    quantizedDimension: r.int32(t, S.quantizedDimension, 0, `${where}.quantized_dimension`),
  };
  const min = r.float32s(t, S.min, `${where}.min`);
  const max = r.float32s(t, S.max, `${where}.max`);
  const scale = r.float32s(t, S.scale, `${where}.scale`);
  const zeroPoint = r.int64s(t, S.zeroPoint, `${where}.zero_point`);
  if (min) q.min = min;
  if (max) q.max = max;
  if (scale) q.scale = scale;
  if (zeroPoint) q.zeroPoint = zeroPoint.map((z) => safeNumber(r, z, `${where}.zero_point`));
  return q;
}

function readOperator(r: CheckedReader, t: Table, where: string): TfliteOperator {
  const S = SLOT.Operator;
  if (r.uint8(t, S.builtinOptions2Type, 0, where) !== 0)
    r.fail(`${where}: builtin_options_2 is not supported`);
  const builtinOptionsType = r.uint8(t, S.builtinOptionsType, 0, `${where}.builtin_options_type`);
  const op: TfliteOperator = {
    opcodeIndex: r.uint32(t, S.opcodeIndex, 0, `${where}.opcode_index`),
    inputs: r.int32s(t, S.inputs, `${where}.inputs`) ?? [],
    outputs: r.int32s(t, S.outputs, `${where}.outputs`) ?? [],
    builtinOptionsType,
    builtinOptions: readOptions(r, t, builtinOptionsType, where),
  };
  const custom = r.bytesOf(t, S.customOptions, `${where}.custom_options`) ?? largeCustomOptions(r, t, where);
  if (custom) op.customOptions = custom;
  const mutating = r.bools(t, S.mutatingVariableInputs, `${where}.mutating_variable_inputs`);
  if (mutating) op.mutatingVariableInputs = mutating;
  const intermediates = r.int32s(t, S.intermediates, `${where}.intermediates`);
  if (intermediates) op.intermediates = intermediates;
  return op;
}

/** Schema 3c: custom options of >2 GiB models live after the flatbuffer; offsets count from the file start. */
function largeCustomOptions(r: CheckedReader, t: Table, where: string): Uint8Array | undefined {
  const offset = r.uint64(t, SLOT.Operator.largeCustomOptionsOffset, where);
  if (offset <= 1n) return undefined;
  const size = r.uint64(t, SLOT.Operator.largeCustomOptionsSize, where);
  return outside(r, offset, size, `${where}.large_custom_options`);
}

function readOptions(r: CheckedReader, t: Table, typeId: number, where: string): Record<string, OptionValue> {
  const options: Record<string, OptionValue> = {};
  if (typeId === 0) return options;
  const spec = optionsSpec(typeId);
  if (!spec) return options; // an options table this project does not know: the op is refused on import
  const table = r.child(t, SLOT.Operator.builtinOptions, `${where}.builtin_options`);
  spec.fields.forEach((field, slot) => {
    if (field.deprecated) return;
    const what = `${where}.${spec.name}.${field.name}`;
    const value = table ? readField(r, table, slot, field.type, field.default, what) : field.default;
    if (value !== undefined) options[field.name] = value;
  });
  return options;
}

function readField(
  r: CheckedReader,
  t: Table,
  slot: number,
  type: string,
  def: number | boolean,
  what: string,
): OptionValue | undefined {
  switch (type) {
    case 'bool':
      return r.bool(t, slot, def as boolean, what);
    case 'byte':
      return r.int8(t, slot, def as number, what);
    case 'int':
      return r.int32(t, slot, def as number, what);
    case 'float':
      return r.float32(t, slot, def as number, what);
    default:
      return r.int32s(t, slot, what);
  }
}

function readBuffer(r: CheckedReader, t: Table, where: string): TfliteBuffer {
  const data = r.bytesOf(t, SLOT.Buffer.data, `${where}.data`);
  if (data) return data.length ? { data } : {};
  const offset = r.uint64(t, SLOT.Buffer.offset, `${where}.offset`);
  // Schema 3c: offset/size locate data after the flatbuffer, "only valid if > 1".
  if (offset <= 1n) return {};
  const size = r.uint64(t, SLOT.Buffer.size, `${where}.size`);
  const bytes = outside(r, offset, size, where);
  return { data: bytes, offset: Number(offset), size: bytes.length };
}

function outside(r: CheckedReader, offset: bigint, size: bigint, what: string): Uint8Array {
  const end = offset + size;
  if (end > BigInt(r.bytes.length)) r.fail(`${what} lies outside the file (offset ${offset}, ${size} bytes)`);
  return r.bytes.subarray(Number(offset), Number(end));
}

function readSignature(r: CheckedReader, t: Table, index: number): TfliteSignatureDef {
  const S = SLOT.SignatureDef;
  const where = `signature_defs[${index}]`;
  const maps = (slot: number, what: string) =>
    r.tables(t, slot, `${where}.${what}`, (m, i) => ({
      name: r.string(m, SLOT.TensorMap.name, `${where}.${what}[${i}].name`) ?? '',
      tensorIndex: r.uint32(m, SLOT.TensorMap.tensorIndex, 0, `${where}.${what}[${i}].tensor_index`),
    }));
  return {
    signatureKey: r.string(t, S.signatureKey, `${where}.signature_key`) ?? '',
    subgraphIndex: r.uint32(t, S.subgraphIndex, 0, `${where}.subgraph_index`),
    inputs: maps(S.inputs, 'inputs'),
    outputs: maps(S.outputs, 'outputs'),
  };
}

function safeNumber(r: CheckedReader, value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    r.fail(`${what}: value ${value} out of range`);
  }
  return Number(value);
}

/** Cross-references: every index must name something that exists, so later stages can trust them. */
function validate(r: CheckedReader, m: TfliteModel): void {
  const index = (i: number, n: number, what: string, optional = false): void => {
    if (!(Number.isInteger(i) && i < n && (i >= 0 || (optional && i === -1)))) {
      r.fail(`${what}: index ${i} out of range (0..${n - 1})`);
    }
  };
  m.metadata.forEach((md, i) => index(md.buffer, m.buffers.length, `metadata[${i}].buffer`));
  m.metadataBuffer?.forEach((b, i) => index(b, m.buffers.length, `metadata_buffer[${i}]`));
  m.subgraphs.forEach((sg, s) => {
    const nt = sg.tensors.length;
    sg.tensors.forEach((x, i) =>
      index(x.buffer, Math.max(m.buffers.length, 1), `subgraphs[${s}].tensors[${i}].buffer`),
    );
    sg.inputs.forEach((x, i) => index(x, nt, `subgraphs[${s}].inputs[${i}]`));
    sg.outputs.forEach((x, i) => index(x, nt, `subgraphs[${s}].outputs[${i}]`));
    sg.operators.forEach((op, o) => {
      const where = `subgraphs[${s}].operators[${o}]`;
      index(op.opcodeIndex, m.operatorCodes.length, `${where}.opcode_index`);
      op.inputs.forEach((x, i) => index(x, nt, `${where}.inputs[${i}]`, true));
      op.outputs.forEach((x, i) => index(x, nt, `${where}.outputs[${i}]`));
      op.intermediates?.forEach((x, i) => index(x, nt, `${where}.intermediates[${i}]`));
    });
  });
  m.signatureDefs.forEach((sd, i) => {
    index(sd.subgraphIndex, m.subgraphs.length, `signature_defs[${i}].subgraph_index`);
    const nt = m.subgraphs[sd.subgraphIndex]?.tensors.length ?? 0;
    [...sd.inputs, ...sd.outputs].forEach((tm) =>
      index(tm.tensorIndex, nt, `signature_defs[${i}] '${tm.name}'`),
    );
  });
}
