import { sameAsInput } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { aliasLowering } from '../convert/lowering/reshape.js';

/** Identity: the same tensor. */
const tflite = aliasLowering();

export default {
  opType: 'Identity',
  inferShapes: sameAsInput(0),
  evaluate: (_node, inputs) => [inputs[0]!],
  tflite,
  nonNegative: 'if-input',
  positivelyHomogeneous: true,
  resultView: true,
} satisfies OpDescriptor;
