import { BuiltinOptionsType } from '../../../formats/tflite/schema.js';

/**
 * A builtin's options table, field by field in slot order, with the schema's defaults (schema.fbs).
 * Enum-typed fields (Padding, ActivationFunctionType, TensorType, FullyConnectedOptionsWeightsFormat)
 * are bytes.
 */
export type FieldType = 'bool' | 'byte' | 'int' | 'float' | 'int[]';
export interface FieldSpec {
  name: string;
  type: FieldType;
  default: number | boolean;
  /** Marked `(deprecated)` in the schema: keeps its slot, never read or written. */
  deprecated?: boolean;
}
export interface OptionsSpec {
  /** The member's name in union BuiltinOptions. */
  name: string;
  typeId: number;
  fields: readonly FieldSpec[];
}

/** A union member's table; its name must be in the schema's union (checked once, at load). */
export function optionsTable(name: string, fields: readonly FieldSpec[] = []): OptionsSpec {
  const typeId = BuiltinOptionsType[name];
  if (typeId === undefined) throw new Error(`TFLite builtins: ${name} is not in union BuiltinOptions`);
  return { name, typeId, fields };
}

export const field = (
  name: string,
  type: FieldType,
  def: number | boolean = type === 'bool' ? false : 0,
): FieldSpec => ({ name, type, default: def });
export const deprecated = (spec: FieldSpec): FieldSpec => ({ ...spec, deprecated: true });

export const padding = field('padding', 'byte');
export const strideW = field('stride_w', 'int');
export const strideH = field('stride_h', 'int');
export const activation = field('fused_activation_function', 'byte');
export const quantizedBiasType = field('quantized_bias_type', 'byte');
export const dilations = [field('dilation_w_factor', 'int', 1), field('dilation_h_factor', 'int', 1)];
export const resizeFlags = [field('align_corners', 'bool'), field('half_pixel_centers', 'bool')];
export const asymmetricQuantizeInputs = field('asymmetric_quantize_inputs', 'bool');

/** Tables several builtins share. */
export const POOL_2D_OPTIONS = optionsTable('Pool2DOptions', [
  padding,
  strideW,
  strideH,
  field('filter_width', 'int'),
  field('filter_height', 'int'),
  activation,
]);
export const REDUCER_OPTIONS = optionsTable('ReducerOptions', [field('keep_dims', 'bool')]);
