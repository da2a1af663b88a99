import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Sqrt -> SQRT, float (TFLite has no int8 SQRT): a float island between DEQUANTIZE and QUANTIZE in int8. */
const tflite = unaryLowering('SQRT', () => ({}), false);

export default {
  ...unaryOp('Sqrt', () => Math.sqrt, { floatOnly: true }),
  quant: calibrated,
  tflite,
  nonNegative: 'always',
  precisionGroups: ['normalization'],
} satisfies OpDescriptor;
