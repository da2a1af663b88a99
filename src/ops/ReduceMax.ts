import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { passThrough } from './common/quant.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** ReduceMax -> REDUCE_MAX (int8: it picks stored values, so the output keeps the input's parameters). */
const tflite = reduceLowering('REDUCE_MAX');

export default {
  ...reduceOp('ReduceMax'),
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
