import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** Greater -> GREATER, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('GREATER');

export default {
  ...binaryOp('Greater', (a, b) => (a > b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
