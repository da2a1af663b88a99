import { binaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { compareLowering } from '../convert/lowering/compare.js';

/** And -> LOGICAL_AND, float (its inputs are read dequantized; the output is bool). */
const tflite = compareLowering('LOGICAL_AND');

export default {
  ...binaryOp('And', (a, b) => (a && b ? 1 : 0), { resultType: 'bool' }),
  tflite,
} satisfies OpDescriptor;
