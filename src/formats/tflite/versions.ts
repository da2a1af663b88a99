import { builtinOf, type OpSig } from '../../tflite/ops/index.js';

export type { OpSig, TensorSig } from '../../tflite/ops/index.js';

/**
 * The version TFLite requires for an op with this signature: each builtin's rule is in its file under
 * src/tflite/ops/; builtins the project does not know are version 1, as TFLite's default.
 */
export function opVersion(opName: string, sig: OpSig): number {
  return builtinOf(opName)?.version(sig) ?? 1;
}
