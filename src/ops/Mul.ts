import type { OpDescriptor } from './types.js';
import { binaryOp } from './common/elementwise.js';
import { binary } from './common/quant.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Mul -> MUL (int8 kernel; takes a fused RELU/RELU6). */
const tflite = binaryLowering('MUL');

export default {
  ...binaryOp('Mul', (a, b) => a * b),
  quant: binary,
  tflite,
  nonNegative: 'if-all-inputs',
  precisionGroups: ['elementwise'],
  int16: true,
} satisfies OpDescriptor;
