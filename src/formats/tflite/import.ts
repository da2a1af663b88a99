/**
 * TFLite → IR, one to one: each operator becomes a node of domain 'tflite' named by its TFLite op
 * (CONV_2D, ...) that keeps TFLite's NHWC semantics; its builtin options become attributes. The one
 * rewrite: float16 weights behind a DEQUANTIZE become float32 constants and the DEQUANTIZE goes.
 * The first subgraph is the graph; further ones (control-flow bodies) ride along as TFLite data.
 */
import { readFileSync } from 'node:fs';
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import { Graph, type Attribute, type Model, type Node, type ValueInfo } from '../../ir/graph.js';
import type { QParams } from '../../ir/qparams.js';
import { Tensor } from '../../ir/tensor.js';
import {
  DTYPE_OF,
  type TfliteModelExtra,
  type TfliteNodeExtra,
  type TfliteTensorExtra,
} from './ir-extras.js';
import type { OptionValue, TfliteModel, TfliteOperator, TfliteSubgraph, TfliteTensor } from './model.js';
import { readTflite } from './read.js';
import { keepSubgraphs } from './subgraphs.js';
import { readSchemeEntry, SCHEME_ENTRY } from './scheme-entry.js';
import { optionsSpec, SUPPORTED_BUILTINS } from '../../tflite/ops/index.js';
import { BUILTIN_OPERATOR_NAMES, SCHEMA_VERSION } from './schema.js';

/** Reads a .tflite file into the IR. */
export function readTfliteFile(file: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(
      file,
      `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  return importTflite(bytes, file);
}

/** Decodes TFLite bytes into the IR; constants view `bytes` (no copies) except converted float16 weights. */
export function importTflite(bytes: Uint8Array, file = '<bytes>'): Model {
  return tfliteToIr(readTflite(bytes, file), file);
}

interface Ctx {
  file: string;
  model: TfliteModel;
  sg: TfliteSubgraph;
  /** IR value name of each tensor index. */
  names: string[];
  /** Float16 weight tensors whose DEQUANTIZE is folded away: output tensor index → input tensor index. */
  folded: Map<number, number>;
}

export function tfliteToIr(model: TfliteModel, file: string): Model {
  if (model.subgraphs.length === 0) throw new ModelFormatError(file, 'has no subgraphs');
  const sg = model.subgraphs[0]!;
  const ctx: Ctx = { file, model, sg, names: valueNames(sg.tensors), folded: new Map() };
  const ops = sg.operators.filter((op) => !foldFloat16Dequantize(ctx, op));
  const g = new Graph();
  g.name = sg.name;
  g.nodes = ops.map((op) => nodeOf(ctx, op));
  addValues(ctx, g);
  const quantScheme = readSchemeEntry(model, file);
  return {
    format: 'tflite',
    irVersion: 0,
    opsetImports: [{ domain: 'tflite', version: SCHEMA_VERSION }],
    doc: model.description,
    metadata: [],
    ...(quantScheme ? { quantScheme } : {}),
    graph: g,
    extra: { tflite: modelExtra(ctx) },
  };
}

/** Unique, non-empty value names: a tensor's own name where it can be kept. */
function valueNames(tensors: TfliteTensor[]): string[] {
  const count = new Map<string, number>();
  for (const t of tensors) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  const taken = new Set(tensors.map((t) => t.name));
  return tensors.map((t, i) => {
    if (t.name && count.get(t.name) === 1) return t.name;
    let name = `${t.name || 'tensor'}__${i}`;
    while (taken.has(name)) name += '_';
    taken.add(name);
    return name;
  });
}

const opName = (ctx: Ctx, op: TfliteOperator): string =>
  BUILTIN_OPERATOR_NAMES[ctx.model.operatorCodes[op.opcodeIndex]!.builtinCode] ?? 'UNKNOWN';

const constantData = (ctx: Ctx, t: TfliteTensor): Uint8Array | undefined => ctx.model.buffers[t.buffer]?.data;

/** A DEQUANTIZE of a constant float16 tensor to float32 is recorded for folding; returns true if so. */
function foldFloat16Dequantize(ctx: Ctx, op: TfliteOperator): boolean {
  if (opName(ctx, op) !== 'DEQUANTIZE' || op.inputs.length !== 1 || op.outputs.length !== 1) return false;
  const [src, dst] = [op.inputs[0]!, op.outputs[0]!];
  const input = ctx.sg.tensors[src];
  if (input?.type !== 'FLOAT16' || ctx.sg.tensors[dst]?.type !== 'FLOAT32') return false;
  if (!input || !constantData(ctx, input)) return false;
  ctx.folded.set(dst, src);
  return true;
}

function nodeOf(ctx: Ctx, op: TfliteOperator): Node {
  const opType = opName(ctx, op);
  const value = (i: number): string => (i < 0 ? '' : ctx.names[i]!);
  const outputs = op.outputs.map(value);
  const name = outputs[0] || `${opType}_${ctx.sg.operators.indexOf(op)}`;
  if (!SUPPORTED_BUILTINS.includes(opType)) {
    throw new UnsupportedOpError(name, opType, SUPPORTED_BUILTINS, `in TFLite import of ${ctx.file}`);
  }
  const code = ctx.model.operatorCodes[op.opcodeIndex]!;
  const extra: TfliteNodeExtra = { version: code.version };
  return {
    name,
    opType,
    domain: 'tflite',
    inputs: op.inputs.map(value),
    outputs,
    attrs: opType === 'CUSTOM' ? customAttrs(code.customCode ?? '', op) : optionAttrs(op),
    extra: { tflite: extra },
  };
}

/** Builtin options as attributes: ints (bools as 0/1, enums as their codes), floats, int lists. */
function optionAttrs(op: TfliteOperator): Record<string, Attribute> {
  const spec = optionsSpec(op.builtinOptionsType);
  const attrs: Record<string, Attribute> = {};
  for (const field of spec?.fields ?? []) {
    const v: OptionValue | undefined = op.builtinOptions[field.name];
    if (v === undefined) continue;
    if (Array.isArray(v)) attrs[field.name] = { kind: 'ints', value: [...v] };
    else if (field.type === 'float') attrs[field.name] = { kind: 'float', value: v as number };
    else attrs[field.name] = { kind: 'int', value: Number(v) };
  }
  return attrs;
}

function customAttrs(customCode: string, op: TfliteOperator): Record<string, Attribute> {
  const bytes = op.customOptions ?? new Uint8Array(0);
  return {
    custom_code: { kind: 'string', value: customCode },
    custom_options: { kind: 'tensor', value: new Tensor('uint8', [bytes.length], bytes) },
  };
}

/** Constants become initializers; every other tensor a typed value (graph input, output or intermediate). */
function addValues(ctx: Ctx, g: Graph): void {
  const folded = new Set(ctx.folded.values());
  const used = new Set<number>([...ctx.sg.inputs, ...ctx.sg.outputs]);
  for (const op of ctx.sg.operators) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) used.add(i);
  ctx.sg.tensors.forEach((t, i) => {
    if (!used.has(i) || (folded.has(i) && !stillRead(ctx, g, i))) return;
    const name = ctx.names[i]!;
    const source = ctx.folded.get(i);
    if (source !== undefined) g.initializers.set(name, float16Weights(ctx, source, i));
    else if (constantData(ctx, t)) g.initializers.set(name, constantOf(ctx, t, i));
    else g.valueInfo.set(name, valueInfoOf(ctx, i));
  });
  const io = (i: number): ValueInfo => g.valueInfo.get(ctx.names[i]!) ?? { name: ctx.names[i]! };
  g.inputs = ctx.sg.inputs.map(io).map((v) => withSignatureKey(ctx, v));
  g.outputs = ctx.sg.outputs.map(io).map((v) => withSignatureKey(ctx, v));
  for (const v of [...g.inputs, ...g.outputs]) g.valueInfo.delete(v.name);
}

/** Marks an input or output whose SignatureDef key is not its name (data may be named by either). */
function withSignatureKey(ctx: Ctx, v: ValueInfo): ValueInfo {
  const sig = ctx.model.signatureDefs.find((s) => s.subgraphIndex === 0);
  const key = [...(sig?.inputs ?? []), ...(sig?.outputs ?? [])].find(
    (m) => ctx.names[m.tensorIndex] === v.name,
  );
  if (!key || key.name === v.name) return v;
  const extra = { ...v.extra, tflite: { ...(v.extra?.tflite as object), signatureKey: key.name } };
  return { ...v, extra };
}

/** A folded float16 source that some other node still reads stays a constant too. */
function stillRead(ctx: Ctx, g: Graph, i: number): boolean {
  const name = ctx.names[i]!;
  return g.nodes.some((n) => n.inputs.includes(name)) || ctx.sg.outputs.includes(i);
}

function dtypeOf(ctx: Ctx, t: TfliteTensor) {
  const dtype = DTYPE_OF[t.type];
  if (!dtype)
    throw new ModelFormatError(ctx.file, `tensor '${t.name}' has type ${t.type}, which is not supported`);
  return dtype;
}

function constantOf(ctx: Ctx, t: TfliteTensor, index: number): Tensor {
  const dtype = dtypeOf(ctx, t);
  if (dtype === 'string')
    throw new ModelFormatError(ctx.file, `tensor '${t.name}': string constants are not supported`);
  let tensor: Tensor;
  try {
    tensor = Tensor.fromBytes(dtype, t.shape, constantData(ctx, t)!);
  } catch (e) {
    throw new ModelFormatError(ctx.file, `constant tensor '${t.name}' (#${index}): ${(e as Error).message}`);
  }
  tensor.extra = tensorExtra(ctx, t, index);
  tensor.quant = paramsOf(t);
  return tensor;
}

/** DEQUANTIZE of float16 is exact, so the float32 constant holds the very values the op produced. */
function float16Weights(ctx: Ctx, source: number, out: number): Tensor {
  const half = constantOf(ctx, ctx.sg.tensors[source]!, source);
  const tensor = Tensor.float32(half.dims, half.toFloat32());
  tensor.extra = tensorExtra(ctx, ctx.sg.tensors[out]!, out);
  tensor.quant = paramsOf(ctx.sg.tensors[out]!);
  return tensor;
}

function valueInfoOf(ctx: Ctx, index: number): ValueInfo {
  const t = ctx.sg.tensors[index]!;
  const name = ctx.names[index]!;
  const sig = t.shapeSignature;
  const shape = t.shape.map((d, k) => (sig && sig[k] === -1 ? null : d));
  const extra = tensorExtra(ctx, t, index);
  const quant = paramsOf(t);
  return {
    name,
    type: { kind: 'tensor', dtype: dtypeOf(ctx, t), shape },
    ...(quant ? { quant } : {}),
    ...(extra ? { extra } : {}),
  };
}

function tensorExtra(ctx: Ctx, t: TfliteTensor, index: number): Record<string, unknown> | undefined {
  const tfl: TfliteTensorExtra = {};
  if (ctx.names[index] !== t.name) tfl.name = t.name;
  if (t.hasRank) tfl.hasRank = true;
  if (t.isVariable) tfl.isVariable = true;
  if (t.shapeSignature) tfl.shapeSignature = true;
  return Object.keys(tfl).length ? { tflite: tfl } : undefined;
}

/**
 * A tensor's QuantizationParameters. The axis is kept where it means something (several scales) or where
 * the file sets one anyway, so that writing the tensor back gives the same table.
 */
function paramsOf(t: TfliteTensor): QParams | undefined {
  const q = t.quantization;
  if (!q || !(q.scale?.length || q.min?.length || q.max?.length)) return undefined;
  const p: QParams = {
    scale: Float64Array.from(q.scale ?? []),
    zeroPoint: Int32Array.from(q.zeroPoint ?? []),
  };
  if ((q.scale?.length ?? 0) > 1 || q.quantizedDimension !== 0) p.axis = q.quantizedDimension;
  if (q.min) p.min = q.min;
  if (q.max) p.max = q.max;
  return p;
}

function modelExtra(ctx: Ctx): TfliteModelExtra {
  const { model } = ctx;
  const data = (buffer: number) => model.buffers[buffer]?.data ?? new Uint8Array(0);
  const names = (maps: { name: string; tensorIndex: number }[]) =>
    maps.map((m) => ({ name: m.name, value: ctx.names[m.tensorIndex] ?? '' }));
  const subgraphs = keepSubgraphs(model, ctx.file);
  return {
    file: ctx.file,
    ...(subgraphs.length ? { subgraphs } : {}),
    metadata: model.metadata
      .filter((m) => m.name !== SCHEME_ENTRY)
      .map((m) => ({ name: m.name, data: data(m.buffer) })),
    metadataBuffers: (model.metadataBuffer ?? []).map(data),
    signatureDefs: model.signatureDefs
      .filter((s) => s.subgraphIndex === 0)
      .map((s) => ({ signatureKey: s.signatureKey, inputs: names(s.inputs), outputs: names(s.outputs) })),
  };
}
