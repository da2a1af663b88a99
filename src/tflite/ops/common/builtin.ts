import { BuiltinOperator } from '../../../formats/tflite/schema.js';
import type { IntegerKernel } from '../../../runtime/integer/types.js';
import type { Int8Rule } from './int8.js';
import type { OptionsSpec } from './options.js';
import type { VersionRule } from './version.js';

/** Everything the project knows about one TFLite builtin; one file per builtin in src/tflite/ops/. */
export interface TfliteBuiltin {
  /** The schema's BuiltinOperator name, which is the IR's opType in domain 'tflite'. */
  name: string;
  /** Its BuiltinOperator code. */
  code: number;
  /** Its BuiltinOptions table; null when it takes none. */
  options: OptionsSpec | null;
  /** The version a file must declare for a node with this signature. */
  version: VersionRule;
  /** How it runs int8; absent when the project keeps it float (its int8 form is not in the spec or not handled). */
  int8?: Int8Rule;
  /**
   * The output is the input squashed or moved (SOFTMAX, LOGISTIC, RESHAPE ...): a model result's extremes
   * are its input's extremes, so calibration keeps both whole.
   */
  keepsExtremes?: boolean;
  /** The integer executor's kernel; absent when the executor cannot run it. */
  kernel?: IntegerKernel;
}

export function defineBuiltin(spec: Omit<TfliteBuiltin, 'code'>): TfliteBuiltin {
  const code = BuiltinOperator[spec.name];
  if (code === undefined) throw new Error(`TFLite builtins: ${spec.name} is not in enum BuiltinOperator`);
  if (spec.kernel && spec.kernel.opType !== spec.name)
    throw new Error(`TFLite builtins: ${spec.name}'s kernel is registered as ${spec.kernel.opType}`);
  return { ...spec, code };
}
