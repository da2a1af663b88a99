import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { passThrough } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Relu -> RELU (one not fused into the op before it). */
const tflite = unaryLowering('RELU');

export default {
  ...unaryOp('Relu', () => (x) => (x > 0 ? x : 0)),
  quant: passThrough,
  fusedActivation: () => 'RELU',
  tflite,
  nonNegative: 'always',
  positivelyHomogeneous: true,
  int16: true,
} satisfies OpDescriptor;
