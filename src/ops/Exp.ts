import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Exp -> EXP (int8: TFLite's lookup table). */
const tflite = unaryLowering('EXP');

export default {
  ...unaryOp('Exp', () => Math.exp, { floatOnly: true }),
  quant: calibrated,
  tflite,
  nonNegative: 'always',
} satisfies OpDescriptor;
