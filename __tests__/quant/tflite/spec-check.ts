import type { TfliteModel, TfliteQuantization, TfliteTensor } from '../../../src/formats/tflite/model.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { BUILTIN_OPERATOR_NAMES } from '../../../src/formats/tflite/schema.js';

/**
 * The TFLite int8 quantization spec, checked on a written file (read back with the project's reader,
 * independently of the quantizer's own data): weights int8 with zero point 0 and one scale per output
 * channel on the right axis, bias int32 at s_in * s_w with zero point 0, fixed output parameters, equal
 * parameters where the spec demands them, and the minimum op version each int8 kernel needs. Returns one
 * line per violation.
 */
export function int8SpecViolations(bytes: Uint8Array): string[] {
  const model = readTflite(bytes, 'int8.tflite');
  const sg = model.subgraphs[0]!;
  const out: string[] = [];
  for (const op of sg.operators) {
    const code = model.operatorCodes[op.opcodeIndex]!;
    const name = BUILTIN_OPERATOR_NAMES[code.builtinCode]!;
    const t = (i: number | undefined) => (i === undefined || i < 0 ? undefined : sg.tensors[i]);
    const where = `${name} -> ${t(op.outputs[0])?.name}`;
    const int8 = t(op.outputs[0])?.type === 'INT8' && name !== 'QUANTIZE';
    if (!int8) continue;
    const min = MIN_VERSION[name];
    if (min && code.version < min) out.push(`${where}: version ${code.version} < ${min} for int8`);
    for (const i of [...op.inputs, ...op.outputs]) {
      const q = t(i)?.quantization;
      if (t(i)?.type === 'INT8' && !q?.scale?.length)
        out.push(`${where}: int8 tensor ${t(i)!.name} has no scale`);
    }
    const filter = FILTERS[name];
    if (filter)
      out.push(
        ...checkFilter(
          where,
          t(op.inputs[filter.input]),
          t(op.inputs[filter.weight]),
          t(op.inputs[filter.bias]),
          filter.axis,
        ),
      );
    const fixed = FIXED[name];
    if (fixed && !sameParams(t(op.outputs[0])?.quantization, fixed))
      out.push(`${where}: output ${paramsText(t(op.outputs[0])?.quantization)}, spec ${paramsText(fixed)}`);
    const tied =
      SAME_AS_INPUT[name] !== undefined
        ? [op.inputs[SAME_AS_INPUT[name]!]!, ...op.outputs]
        : SAME_ALL.has(name)
          ? [...op.inputs, ...op.outputs]
          : [];
    const ref = t(op.outputs[0])?.quantization;
    for (const i of tied)
      if (!sameParams(t(i)?.quantization, ref))
        out.push(
          `${where}: ${t(i)!.name} ${paramsText(t(i)?.quantization)} differs from output ${paramsText(ref)}`,
        );
  }
  return out;
}

const FILTERS: Record<string, { input: number; weight: number; bias: number; axis: number }> = {
  CONV_2D: { input: 0, weight: 1, bias: 2, axis: 0 },
  DEPTHWISE_CONV_2D: { input: 0, weight: 1, bias: 2, axis: 3 },
  FULLY_CONNECTED: { input: 0, weight: 1, bias: 2, axis: 0 },
  TRANSPOSE_CONV: { input: 2, weight: 1, bias: 3, axis: 0 },
};
const FIXED: Record<string, TfliteQuantization> = {
  LOGISTIC: { scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 },
  SOFTMAX: { scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 },
  TANH: { scale: [1 / 128], zeroPoint: [0], quantizedDimension: 0 },
};
/** Data input of the ops whose output must have its parameters. */
const SAME_AS_INPUT: Record<string, number> = {
  AVERAGE_POOL_2D: 0,
  MAX_POOL_2D: 0,
  RESHAPE: 0,
  SQUEEZE: 0,
  EXPAND_DIMS: 0,
  TRANSPOSE: 0,
  PAD: 0,
  SLICE: 0,
  STRIDED_SLICE: 0,
  RESIZE_BILINEAR: 0,
  RESIZE_NEAREST_NEIGHBOR: 0,
  GATHER: 0,
  SPLIT: 1,
};
const SAME_ALL = new Set(['CONCATENATION', 'MAXIMUM', 'MINIMUM']);
/** LiteRT op_version.cc: the first version whose kernel takes int8. */
const MIN_VERSION: Record<string, number> = {
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 3,
  FULLY_CONNECTED: 4,
  ADD: 2,
  SUB: 2,
  MUL: 2,
  AVERAGE_POOL_2D: 2,
  MAX_POOL_2D: 2,
  LOGISTIC: 2,
  SOFTMAX: 2,
  TANH: 2,
  CONCATENATION: 2,
  RESIZE_BILINEAR: 2,
  RELU: 2,
  RELU6: 2,
  MEAN: 2,
  SUM: 2,
  PAD: 2,
  GATHER: 2,
  TRANSPOSE: 2,
  SLICE: 2,
  STRIDED_SLICE: 2,
  SPLIT: 2,
  MAXIMUM: 2,
  MINIMUM: 2,
};

function checkFilter(
  where: string,
  input: TfliteTensor | undefined,
  w: TfliteTensor | undefined,
  b: TfliteTensor | undefined,
  axis: number,
): string[] {
  const out: string[] = [];
  const wq = w?.quantization;
  if (w?.type !== 'INT8' || !wq?.scale?.length)
    return [`${where}: weights ${w?.name} are ${w?.type}, not int8`];
  if (!(wq.zeroPoint ?? []).every((z) => z === 0)) out.push(`${where}: weight zero points not 0`);
  if (wq.scale.length > 1 && (wq.quantizedDimension !== axis || wq.scale.length !== w.shape[axis]))
    out.push(`${where}: ${wq.scale.length} weight scales on dim ${wq.quantizedDimension}, filter ${w.shape}`);
  if (!b) return out;
  const bq = b.quantization;
  if (b.type !== 'INT32' || !bq?.scale?.length)
    return [...out, `${where}: bias ${b.name} is ${b.type}, not int32`];
  if (!(bq.zeroPoint ?? []).every((z) => z === 0)) out.push(`${where}: bias zero points not 0`);
  const sIn = input?.quantization?.scale?.[0] ?? NaN;
  const bad = bq.scale.findIndex((s, c) => {
    const expected = Math.fround(sIn * wq.scale![wq.scale!.length === 1 ? 0 : c]!);
    return !(Math.abs(s - expected) <= 1e-6 * expected);
  });
  if (bq.scale.length !== wq.scale.length)
    out.push(`${where}: ${bq.scale.length} bias scales, ${wq.scale.length} weight scales`);
  else if (bad >= 0) out.push(`${where}: bias scale ${bq.scale[bad]} != s_in * s_w at channel ${bad}`);
  return out;
}

function sameParams(a: TfliteQuantization | undefined, b: TfliteQuantization | undefined): boolean {
  return (
    !!a?.scale?.length &&
    !!b?.scale?.length &&
    Math.fround(a.scale[0]!) === Math.fround(b.scale[0]!) &&
    (a.zeroPoint?.[0] ?? 0) === (b.zeroPoint?.[0] ?? 0)
  );
}

const paramsText = (q: TfliteQuantization | undefined) => `(${q?.scale?.[0]}, ${q?.zeroPoint?.[0]})`;

/** Op names of a model file in order (custom ops by their code). */
export function opList(bytes: Uint8Array): string[] {
  const m: TfliteModel = readTflite(bytes, 'model.tflite');
  return m.subgraphs[0]!.operators.map((op) => {
    const code = m.operatorCodes[op.opcodeIndex]!;
    return code.customCode ?? BUILTIN_OPERATOR_NAMES[code.builtinCode]!;
  });
}
