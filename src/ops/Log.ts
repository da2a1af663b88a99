import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Log -> LOG, float (a float island between DEQUANTIZE and QUANTIZE in int8). */
const tflite = unaryLowering('LOG', () => ({}), false);

export default {
  ...unaryOp('Log', () => Math.log, { floatOnly: true }),
  quant: calibrated,
  tflite,
} satisfies OpDescriptor;
