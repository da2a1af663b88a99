import type { IntegerKernel } from '../../runtime/integer/types.js';
import type { TfliteBuiltin } from './common/builtin.js';
import type { FixedParams, Int8Rule } from './common/int8.js';
import { EMPTY_TABLES, type OptionsSpec } from './common/options.js';
import { ABS } from './ABS.js';
import { ADD } from './ADD.js';
import { ARG_MAX } from './ARG_MAX.js';
import { ARG_MIN } from './ARG_MIN.js';
import { AVERAGE_POOL_2D } from './AVERAGE_POOL_2D.js';
import { BATCH_MATMUL } from './BATCH_MATMUL.js';
import { BROADCAST_TO } from './BROADCAST_TO.js';
import { CAST } from './CAST.js';
import { CALL_ONCE } from './CALL_ONCE.js';
import { CONCATENATION } from './CONCATENATION.js';
import { CONV_2D } from './CONV_2D.js';
import { CUSTOM } from './CUSTOM.js';
import { DEPTHWISE_CONV_2D } from './DEPTHWISE_CONV_2D.js';
import { DEPTH_TO_SPACE } from './DEPTH_TO_SPACE.js';
import { DEQUANTIZE } from './DEQUANTIZE.js';
import { DIV } from './DIV.js';
import { EQUAL } from './EQUAL.js';
import { EXP } from './EXP.js';
import { EXPAND_DIMS } from './EXPAND_DIMS.js';
import { FULLY_CONNECTED } from './FULLY_CONNECTED.js';
import { GATHER } from './GATHER.js';
import { GELU } from './GELU.js';
import { GREATER } from './GREATER.js';
import { GREATER_EQUAL } from './GREATER_EQUAL.js';
import { HARD_SWISH } from './HARD_SWISH.js';
import { IF } from './IF.js';
import { LEAKY_RELU } from './LEAKY_RELU.js';
import { LESS } from './LESS.js';
import { LESS_EQUAL } from './LESS_EQUAL.js';
import { LOG } from './LOG.js';
import { LOGICAL_AND } from './LOGICAL_AND.js';
import { LOGICAL_NOT } from './LOGICAL_NOT.js';
import { LOGICAL_OR } from './LOGICAL_OR.js';
import { LOGISTIC } from './LOGISTIC.js';
import { MAX_POOL_2D } from './MAX_POOL_2D.js';
import { MAXIMUM } from './MAXIMUM.js';
import { MEAN } from './MEAN.js';
import { MINIMUM } from './MINIMUM.js';
import { MUL } from './MUL.js';
import { NEG } from './NEG.js';
import { NOT_EQUAL } from './NOT_EQUAL.js';
import { MIRROR_PAD } from './MIRROR_PAD.js';
import { PAD } from './PAD.js';
import { POW } from './POW.js';
import { PRELU } from './PRELU.js';
import { QUANTIZE } from './QUANTIZE.js';
import { REDUCE_MAX } from './REDUCE_MAX.js';
import { REDUCE_MIN } from './REDUCE_MIN.js';
import { REDUCE_PROD } from './REDUCE_PROD.js';
import { RELU } from './RELU.js';
import { RELU6 } from './RELU6.js';
import { RESHAPE } from './RESHAPE.js';
import { RESIZE_BILINEAR } from './RESIZE_BILINEAR.js';
import { RESIZE_NEAREST_NEIGHBOR } from './RESIZE_NEAREST_NEIGHBOR.js';
import { RSQRT } from './RSQRT.js';
import { SELECT_V2 } from './SELECT_V2.js';
import { SLICE } from './SLICE.js';
import { SOFTMAX } from './SOFTMAX.js';
import { SPACE_TO_DEPTH } from './SPACE_TO_DEPTH.js';
import { SPLIT } from './SPLIT.js';
import { SQRT } from './SQRT.js';
import { SQUEEZE } from './SQUEEZE.js';
import { STRIDED_SLICE } from './STRIDED_SLICE.js';
import { SUB } from './SUB.js';
import { SUM } from './SUM.js';
import { TANH } from './TANH.js';
import { TILE } from './TILE.js';
import { TRANSPOSE } from './TRANSPOSE.js';
import { TRANSPOSE_CONV } from './TRANSPOSE_CONV.js';
import { WHILE } from './WHILE.js';

export type { TfliteBuiltin } from './common/builtin.js';
export { fusedClip } from './common/builtin.js';
export type { FixedParams, Int8Rule } from './common/int8.js';
export type { FieldSpec, FieldType, OptionsSpec } from './common/options.js';
export type { OpSig, TensorSig } from './common/version.js';

/**
 * The TFLite builtins this project reads, writes, quantizes and runs: one file each, listed once here.
 * Every other table about builtins (option tables, versions, spec checks, quantizer rules, kernels) is
 * derived from this one.
 */
export const TFLITE_BUILTINS: ReadonlyMap<string, TfliteBuiltin> = registry([
  ABS,
  ADD,
  ARG_MAX,
  ARG_MIN,
  AVERAGE_POOL_2D,
  BATCH_MATMUL,
  BROADCAST_TO,
  CALL_ONCE,
  CAST,
  CONCATENATION,
  CONV_2D,
  CUSTOM,
  DEPTHWISE_CONV_2D,
  DEPTH_TO_SPACE,
  DEQUANTIZE,
  DIV,
  EQUAL,
  EXP,
  EXPAND_DIMS,
  FULLY_CONNECTED,
  GATHER,
  GELU,
  GREATER,
  GREATER_EQUAL,
  HARD_SWISH,
  IF,
  LEAKY_RELU,
  LESS,
  LESS_EQUAL,
  LOG,
  LOGICAL_AND,
  LOGICAL_NOT,
  LOGICAL_OR,
  LOGISTIC,
  MAX_POOL_2D,
  MAXIMUM,
  MEAN,
  MINIMUM,
  MIRROR_PAD,
  MUL,
  NEG,
  NOT_EQUAL,
  PAD,
  POW,
  PRELU,
  QUANTIZE,
  REDUCE_MAX,
  REDUCE_MIN,
  REDUCE_PROD,
  RELU,
  RELU6,
  RESHAPE,
  RESIZE_BILINEAR,
  RESIZE_NEAREST_NEIGHBOR,
  RSQRT,
  SELECT_V2,
  SLICE,
  SOFTMAX,
  SPACE_TO_DEPTH,
  SPLIT,
  SQRT,
  SQUEEZE,
  STRIDED_SLICE,
  SUB,
  SUM,
  TANH,
  TILE,
  TRANSPOSE,
  TRANSPOSE_CONV,
  WHILE,
]);

function registry(all: TfliteBuiltin[]): ReadonlyMap<string, TfliteBuiltin> {
  const table = new Map<string, TfliteBuiltin>();
  for (const b of all) {
    if (table.has(b.name)) throw new Error(`TFLite builtins: ${b.name} is registered twice`);
    table.set(b.name, b);
  }
  return table;
}

/** The builtin's descriptor, or undefined for one this project does not know. */
export const builtinOf = (name: string): TfliteBuiltin | undefined => TFLITE_BUILTINS.get(name);

/** The int8 rule of a node's builtin (nodes outside domain 'tflite' have none). */
export function int8RuleOf(node: { domain: string; opType: string }): Int8Rule | undefined {
  return node.domain === 'tflite' ? TFLITE_BUILTINS.get(node.opType)?.int8 : undefined;
}

/** The integer executor's kernels by builtin name. */
export const INTEGER_KERNELS: ReadonlyMap<string, IntegerKernel> = new Map(
  [...TFLITE_BUILTINS.values()].flatMap((b) => (b.kernel ? [[b.name, b.kernel] as const] : [])),
);

/** Every options table by its union type id; a table two builtins share must be the same table. */
export const OPTIONS_TABLES: ReadonlyMap<number, OptionsSpec> = (() => {
  const tables = new Map<number, OptionsSpec>(EMPTY_TABLES.map((t) => [t.typeId, t]));
  for (const b of TFLITE_BUILTINS.values()) {
    if (!b.options) continue;
    const seen = tables.get(b.options.typeId);
    if (seen && JSON.stringify(seen) !== JSON.stringify(b.options))
      throw new Error(`TFLite builtins: ${b.name} declares ${b.options.name} with other fields`);
    tables.set(b.options.typeId, b.options);
  }
  return tables;
})();

/** The output parameters the spec fixes, by builtin (LOGISTIC, SOFTMAX, TANH). */
export const FIXED_OUTPUTS: ReadonlyMap<string, FixedParams> = new Map(
  [...TFLITE_BUILTINS.values()].flatMap((b) =>
    b.int8 && typeof b.int8.output === 'object' ? [[b.name, b.int8.output] as const] : [],
  ),
);

/** The builtins this project reads into its IR and writes back. */
export const SUPPORTED_BUILTINS: readonly string[] = [...TFLITE_BUILTINS.keys()];

/** The field list of a `BuiltinOptions` union member, or undefined for tables this project does not know. */
export const optionsSpec = (typeId: number): OptionsSpec | undefined => OPTIONS_TABLES.get(typeId);

/** Builtins through which a model's result passes unchanged in meaning (see `keepsExtremes`). */
export const RESULT_PATH_BUILTINS: ReadonlySet<string> = new Set(
  [...TFLITE_BUILTINS.values()].filter((b) => b.keepsExtremes).map((b) => b.name),
);

/** The option fields that name subgraphs, by control-flow builtin (WHILE, IF, CALL_ONCE). */
export const subgraphFieldsOf = (name: string): readonly string[] | undefined =>
  TFLITE_BUILTINS.get(name)?.subgraphFields;
