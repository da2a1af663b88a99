import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** LessOrEqual -> LESS_EQUAL, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('LESS_EQUAL');

export default {
  ...binaryOp('LessOrEqual', (a, b) => (a <= b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
