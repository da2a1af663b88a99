import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Abs -> ABS (int8: requantized to its calibrated output). */
const tflite = unaryLowering('ABS');

export default {
  ...unaryOp('Abs', () => Math.abs),
  quant: calibrated,
  tflite,
  nonNegative: 'always',
} satisfies OpDescriptor;
