import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { SIGMOID_OUT, first } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Sigmoid -> LOGISTIC (TFLite int8 spec: output 1/256, -128). */
const tflite = unaryLowering('LOGISTIC');

export default {
  ...unaryOp('Sigmoid', () => (x) => 1 / (1 + Math.exp(-x)), { floatOnly: true }),
  quant: { activations: first, output: SIGMOID_OUT },
  tflite,
  nonNegative: 'always',
  resultView: true,
} satisfies OpDescriptor;
