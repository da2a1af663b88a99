import type { OpDescriptor } from './types.js';
import { binaryOp } from './common/elementwise.js';
import { binary } from './common/quant.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Add -> ADD (int8 kernel; takes a fused RELU/RELU6). */
const tflite = binaryLowering('ADD');

export default {
  ...binaryOp('Add', (a, b) => a + b),
  quant: binary,
  tflite,
  sumsInputs: true,
  precisionGroups: ['elementwise'],
  int16: true,
} satisfies OpDescriptor;
