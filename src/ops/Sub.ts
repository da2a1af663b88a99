import type { OpDescriptor } from './types.js';
import { binaryOp } from './common/elementwise.js';
import { binary } from './common/quant.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Sub -> SUB (int8 kernel; takes a fused RELU/RELU6). */
const tflite = binaryLowering('SUB');

export default {
  ...binaryOp('Sub', (a, b) => a - b),
  quant: binary,
  tflite,
  sumsInputs: true,
  precisionGroups: ['elementwise', 'normalization'],
  int16: true,
} satisfies OpDescriptor;
