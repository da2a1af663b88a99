import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** GreaterOrEqual -> GREATER_EQUAL, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('GREATER_EQUAL');

export default {
  ...binaryOp('GreaterOrEqual', (a, b) => (a >= b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
