import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** Or -> LOGICAL_OR, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('LOGICAL_OR');

export default {
  ...binaryOp('Or', (a, b) => (a || b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
