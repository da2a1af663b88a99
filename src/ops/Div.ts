import { binaryOp } from './common/elementwise.js';
import { divide } from './common/compute.js';
import type { OpDescriptor } from './types.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Div -> DIV. TFLite has no int8 DIV kernel, so it runs float (as the QDQ graph leaves it). */
const tflite = binaryLowering('DIV', false);

export default {
  ...binaryOp('Div', (a, b, dtype) => divide(a, b, dtype)),
  tflite,
  precisionGroups: ['elementwise', 'normalization'],
} satisfies OpDescriptor;
