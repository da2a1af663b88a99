import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { TANH_OUT, first } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Tanh -> TANH (TFLite int8 spec: output 1/128, 0). */
const tflite = unaryLowering('TANH');

export default {
  ...unaryOp('Tanh', () => Math.tanh, { floatOnly: true }),
  quant: { activations: first, output: TANH_OUT },
  tflite,
  resultView: true,
} satisfies OpDescriptor;
