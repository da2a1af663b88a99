import { unaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Not -> LOGICAL_NOT. */
const tflite = unaryLowering('LOGICAL_NOT', () => ({}), false);

export default {
  ...unaryOp('Not', () => (x) => (x ? 0 : 1)),
  outputDType: 'bool',
  tflite,
} satisfies OpDescriptor;
