/**
 * Operator versions, as TFLite assigns them (LiteRT `tflite/tools/versioning/op_version.cc`,
 * GetBuiltinOperatorVersion): a kernel's version says which input types and options it must support.
 * Only the ops this project reads and writes are listed; any other op is version 1 there too.
 */
import type { OptionValue } from './model.js';
import type { TensorTypeName } from './schema.js';

export interface TensorSig {
  /** undefined for an omitted optional input (index -1). */
  type?: TensorTypeName;
  /** Dimensions; -1 where unknown. */
  shape: number[];
  /** Number of quantization scales (0: not quantized; >1: per channel). */
  scales: number;
  /** The single scale, when per-tensor quantized. */
  scale?: number;
}
export interface OpSig {
  inputs: TensorSig[];
  outputs: TensorSig[];
  options: Record<string, OptionValue>;
}

type Rule = (s: OpSig) => number;
const NONE: TensorSig = { shape: [], scales: 0 };
const rank = (t: TensorSig): number => t.shape.length;
const inp = (s: OpSig, i: number): TensorSig => s.inputs[i] ?? NONE;
const out = (s: OpSig, i: number): TensorSig => s.outputs[i] ?? NONE;
const is = (t: TensorSig, ...types: TensorTypeName[]): boolean =>
  t.type !== undefined && types.includes(t.type);
/** (input 0, input 1, output 0) types all match. */
const io = (s: OpSig, a: TensorTypeName, w: TensorTypeName, o: TensorTypeName): boolean =>
  is(inp(s, 0), a) && is(inp(s, 1), w) && is(out(s, 0), o);
const hybrid = (s: OpSig): boolean => io(s, 'FLOAT32', 'INT8', 'FLOAT32');
const opt = (s: OpSig, name: string): OptionValue | undefined => s.options[name];
/** Inputs of different shapes broadcast; versions care only about broadcasts above rank 4. */
const broadcast5d = (s: OpSig): boolean =>
  s.inputs.length >= 2 && Math.max(...s.inputs.map(rank)) > 4 && !sameShape(inp(s, 0), inp(s, 1));

/** First matching [condition, version]; 1 when none matches. */
const first =
  (...cases: [(s: OpSig) => boolean, number][]): Rule =>
  (s) =>
    cases.find(([when]) => when(s))?.[1] ?? 1;

const int16Int8: Rule = first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]);
const int16PoolLike: Rule = first(
  [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 3],
  [(s) => is(inp(s, 0), 'INT8'), 2],
);

const RULES: Record<string, Rule> = {
  CONV_2D: first(
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 8],
    [groupedConv, 6],
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 4],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 5],
    [hybrid, 2],
  ),
  DEPTHWISE_CONV_2D: first(
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 5],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 6],
    [hybrid, 4],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7],
    [(s) => opt(s, 'dilation_w_factor') !== 1 || opt(s, 'dilation_h_factor') !== 1, 2],
  ),
  // Inputs: output shape, weights, input, optional bias.
  TRANSPOSE_CONV: first(
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 5],
    [(s) => !!opt(s, 'fused_activation_function'), 4],
    [(s) => s.inputs.length === 4 && inp(s, 3).type !== undefined, 3],
    [(s) => is(inp(s, 1), 'INT8'), 2],
  ),
  FULLY_CONNECTED: first(
    [(s) => io(s, 'INT16', 'INT4', 'INT16'), 13],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 12],
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 11],
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 7],
    [(s) => s.inputs.length === 2, 6],
    [(s) => !!opt(s, 'keep_num_dims'), 5],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 4],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 10],
    [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 9],
    [hybrid, 3],
    [(s) => opt(s, 'weights_format') === 1, 2],
  ),
  BATCH_MATMUL: first(
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
    [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 4],
  ),
  ADD: first(
    [(s) => is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0, 5],
    [(s) => is(inp(s, 0), 'INT64'), 4],
    [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  SUB: first(
    [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 5],
    [(s) => is(inp(s, 0), 'INT64'), 4],
    [broadcast5d, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  MUL: first(
    [(s) => (is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0) || is(inp(s, 0), 'UINT32'), 7],
    [(s) => is(inp(s, 0), 'COMPLEX64'), 6],
    [(s) => is(inp(s, 0), 'INT64'), 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => mulRescale(s) >= 1, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  DIV: first([broadcast5d, 2]),
  MAXIMUM: minMax(),
  MINIMUM: minMax(),
  RELU: first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
  RELU6: int16Int8,
  SOFTMAX: int16Int8,
  MEAN: int16Int8,
  LEAKY_RELU: first([(s) => is(inp(s, 0), 'INT16'), 2]),
  LOGISTIC: int16PoolLike,
  TANH: int16PoolLike,
  AVERAGE_POOL_2D: int16PoolLike,
  MAX_POOL_2D: int16PoolLike,
  EXP: first([(s) => is(inp(s, 0), 'INT8', 'INT16'), 2]),
  SUM: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  TRANSPOSE: first(
    [(s) => is(inp(s, 0), 'INT4'), 7],
    [(s) => rank(inp(s, 0)) > 5, 6],
    [(s) => is(inp(s, 0), 'INT16'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  SQUEEZE: first([(s) => is(inp(s, 0), 'STRING'), 2]),
  CONCATENATION: first(
    [(s) => is(inp(s, 0), 'UINT32'), 4],
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  // Input 0 is the axis; the data is input 1.
  SPLIT: first(
    [(s) => is(inp(s, 1), 'INT16'), 4],
    [(s) => is(inp(s, 1), 'INT32'), 3],
    [(s) => is(inp(s, 1), 'INT8'), 2],
  ),
  SLICE: first(
    [(s) => is(inp(s, 0), 'UINT32'), 6],
    [(s) => rank(inp(s, 0)) > 4, 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => is(inp(s, 0), 'STRING'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  STRIDED_SLICE: first(
    [(s) => opt(s, 'offset') === true, 8],
    [(s) => is(inp(s, 0), 'UINT32'), 7],
    [(s) => !!opt(s, 'ellipsis_mask') || !!opt(s, 'new_axis_mask'), 6],
    [(s) => is(inp(s, 0), 'STRING'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  PAD: first(
    [(s) => is(inp(s, 0), 'BOOL'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  RESIZE_BILINEAR: first(
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => opt(s, 'half_pixel_centers') === true, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  RESIZE_NEAREST_NEIGHBOR: first(
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => opt(s, 'half_pixel_centers') === true || opt(s, 'align_corners') === true, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  GATHER: first(
    [(s) => is(inp(s, 0), 'INT4'), 7],
    [(s) => is(inp(s, 1), 'INT16'), 6],
    [(s) => !!opt(s, 'batch_dims'), 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  QUANTIZE: first(
    [(s) => is(inp(s, 0), 'INT4') || is(out(s, 0), 'INT4'), 4],
    [(s) => out(s, 0).scales > 1, 3],
    [(s) => is(out(s, 0), 'INT16'), 2],
  ),
  DEQUANTIZE: first(
    [(s) => is(inp(s, 0), 'INT4'), 6],
    [(s) => is(inp(s, 0), 'INT16', 'FLOAT16'), 3],
    [(s) => is(inp(s, 0), 'INT8') && inp(s, 0).scales > 1, 5],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
};

function minMax(): Rule {
  return first(
    [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 4],
    [broadcast5d, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  );
}

/** Grouped convolution: the input has more channels than one filter covers (NHWC input, OHWI filter). */
function groupedConv(s: OpSig): boolean {
  const [input, filter] = [inp(s, 0).shape[3] ?? -1, inp(s, 1).shape[3] ?? -1];
  return input > 0 && filter > 0 && input !== filter;
}

function sameShape(a: TensorSig, b: TensorSig): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** MUL's input1_scale * input2_scale / output_scale, or 0 unless all three are per-tensor quantized. */
function mulRescale(s: OpSig): number {
  const [a, b, o] = [inp(s, 0).scale, inp(s, 1).scale, out(s, 0).scale];
  return a && b && o ? (a * b) / o : 0;
}

/** The version TFLite requires for an op with this signature (1 for ops without rules, such as CUSTOM). */
export function opVersion(opName: string, sig: OpSig): number {
  return RULES[opName]?.(sig) ?? 1;
}
