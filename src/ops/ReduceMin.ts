import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { passThrough } from './common/quant.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** ReduceMin -> REDUCE_MIN (int8: it picks stored values, so the output keeps the input's parameters). */
const tflite = reduceLowering('REDUCE_MIN');

export default {
  ...reduceOp('ReduceMin'),
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
