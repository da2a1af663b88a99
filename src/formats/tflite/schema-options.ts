/**
 * Builtin options tables of the ops this project handles, field by field in slot order, with the
 * schema's defaults (schema.fbs). Enum-typed fields (Padding, ActivationFunctionType, TensorType,
 * FullyConnectedOptionsWeightsFormat) are bytes.
 */
import { CONTROL_FLOW_OPS, CONTROL_FLOW_TABLES } from './control-flow-options.js';
import { BuiltinOptionsType } from './schema.js';

export type FieldType = 'bool' | 'byte' | 'int' | 'float' | 'int[]';
export interface FieldSpec {
  name: string;
  type: FieldType;
  default: number | boolean;
  /** Marked `(deprecated)` in the schema: keeps its slot, never read or written. */
  deprecated?: boolean;
}
export interface OptionsSpec {
  name: string;
  typeId: number;
  fields: readonly FieldSpec[];
}

const f = (
  name: string,
  type: FieldType,
  def: number | boolean = type === 'bool' ? false : 0,
): FieldSpec => ({
  name,
  type,
  default: def,
});
const old = (spec: FieldSpec): FieldSpec => ({ ...spec, deprecated: true });

const padding = f('padding', 'byte');
const strideW = f('stride_w', 'int');
const strideH = f('stride_h', 'int');
const activation = f('fused_activation_function', 'byte');
const quantizedBiasType = f('quantized_bias_type', 'byte');
const alignCorners = f('align_corners', 'bool');
const halfPixelCenters = f('half_pixel_centers', 'bool');

const TABLES: Record<string, readonly FieldSpec[]> = {
  Conv2DOptions: [
    padding,
    strideW,
    strideH,
    activation,
    f('dilation_w_factor', 'int', 1),
    f('dilation_h_factor', 'int', 1),
    quantizedBiasType,
  ],
  DepthwiseConv2DOptions: [
    padding,
    strideW,
    strideH,
    f('depth_multiplier', 'int'),
    activation,
    f('dilation_w_factor', 'int', 1),
    f('dilation_h_factor', 'int', 1),
  ],
  TransposeConvOptions: [padding, strideW, strideH, activation, quantizedBiasType],
  FullyConnectedOptions: [
    activation,
    f('weights_format', 'byte'),
    f('keep_num_dims', 'bool'),
    f('asymmetric_quantize_inputs', 'bool'),
    quantizedBiasType,
  ],
  BatchMatMulOptions: [f('adj_x', 'bool'), f('adj_y', 'bool'), f('asymmetric_quantize_inputs', 'bool')],
  AddOptions: [activation, f('pot_scale_int16', 'bool', true)],
  SubOptions: [activation, f('pot_scale_int16', 'bool', true)],
  MulOptions: [activation],
  DivOptions: [activation],
  MaximumMinimumOptions: [],
  LeakyReluOptions: [f('alpha', 'float')],
  HardSwishOptions: [],
  SoftmaxOptions: [f('beta', 'float')],
  ExpOptions: [],
  Pool2DOptions: [padding, strideW, strideH, f('filter_width', 'int'), f('filter_height', 'int'), activation],
  ReducerOptions: [f('keep_dims', 'bool')],
  ReshapeOptions: [f('new_shape', 'int[]')],
  TransposeOptions: [],
  SqueezeOptions: [f('squeeze_dims', 'int[]')],
  ExpandDimsOptions: [],
  ConcatenationOptions: [f('axis', 'int'), activation],
  SplitOptions: [f('num_splits', 'int')],
  SliceOptions: [],
  StridedSliceOptions: [
    f('begin_mask', 'int'),
    f('end_mask', 'int'),
    f('ellipsis_mask', 'int'),
    f('new_axis_mask', 'int'),
    f('shrink_axis_mask', 'int'),
    f('offset', 'bool'),
  ],
  PadOptions: [],
  ResizeBilinearOptions: [
    old(f('new_height', 'int')),
    old(f('new_width', 'int')),
    alignCorners,
    halfPixelCenters,
  ],
  ResizeNearestNeighborOptions: [alignCorners, halfPixelCenters],
  GatherOptions: [f('axis', 'int'), f('batch_dims', 'int')],
  QuantizeOptions: [],
  DequantizeOptions: [],
  ...CONTROL_FLOW_TABLES,
};

/** The options table each op in scope takes (`null`: the op has none), per the converter's usage. */
export const OP_OPTIONS: Readonly<Record<string, string | null>> = {
  CONV_2D: 'Conv2DOptions',
  DEPTHWISE_CONV_2D: 'DepthwiseConv2DOptions',
  TRANSPOSE_CONV: 'TransposeConvOptions',
  FULLY_CONNECTED: 'FullyConnectedOptions',
  BATCH_MATMUL: 'BatchMatMulOptions',
  ADD: 'AddOptions',
  SUB: 'SubOptions',
  MUL: 'MulOptions',
  DIV: 'DivOptions',
  MAXIMUM: 'MaximumMinimumOptions',
  MINIMUM: 'MaximumMinimumOptions',
  RELU: null,
  RELU6: null,
  LEAKY_RELU: 'LeakyReluOptions',
  PRELU: null,
  LOGISTIC: null,
  TANH: null,
  HARD_SWISH: 'HardSwishOptions',
  SOFTMAX: 'SoftmaxOptions',
  EXP: 'ExpOptions',
  AVERAGE_POOL_2D: 'Pool2DOptions',
  MAX_POOL_2D: 'Pool2DOptions',
  MEAN: 'ReducerOptions',
  SUM: 'ReducerOptions',
  RESHAPE: 'ReshapeOptions',
  TRANSPOSE: 'TransposeOptions',
  SQUEEZE: 'SqueezeOptions',
  EXPAND_DIMS: 'ExpandDimsOptions',
  CONCATENATION: 'ConcatenationOptions',
  SPLIT: 'SplitOptions',
  SLICE: 'SliceOptions',
  STRIDED_SLICE: 'StridedSliceOptions',
  PAD: 'PadOptions',
  RESIZE_BILINEAR: 'ResizeBilinearOptions',
  RESIZE_NEAREST_NEIGHBOR: 'ResizeNearestNeighborOptions',
  GATHER: 'GatherOptions',
  QUANTIZE: 'QuantizeOptions',
  DEQUANTIZE: 'DequantizeOptions',
  CUSTOM: null,
  ...CONTROL_FLOW_OPS,
};

/** The ops this project reads into its IR and writes back. */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OP_OPTIONS);

const BY_TYPE_ID = new Map<number, OptionsSpec>(
  Object.entries(TABLES).map(([name, fields]) => {
    const typeId = BuiltinOptionsType[name];
    if (typeId === undefined) throw new Error(`schema-options: ${name} is not in union BuiltinOptions`);
    return [typeId, { name, typeId, fields }];
  }),
);

/** The field list of a `BuiltinOptions` union member, or undefined for tables this project does not know. */
export function optionsSpec(typeId: number): OptionsSpec | undefined {
  return BY_TYPE_ID.get(typeId);
}

/** The union type id of an op's options table (0 = NONE). */
export function optionsTypeOf(opName: string): number {
  const table = OP_OPTIONS[opName];
  return table ? (BuiltinOptionsType[table] ?? 0) : 0;
}
