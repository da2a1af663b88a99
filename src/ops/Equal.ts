import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** Equal -> EQUAL, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('EQUAL');

export default {
  ...binaryOp('Equal', (a, b) => (a === b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
