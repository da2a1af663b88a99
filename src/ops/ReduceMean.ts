import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { calibrated } from './common/quant.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** ReduceMean -> MEAN over the physical axes of the reduced ones. */
const tflite = reduceLowering('MEAN');

export default {
  ...reduceOp('ReduceMean'),
  quant: calibrated,
  tflite,
  nonNegative: 'if-input',
  sumsInputs: true,
  precisionGroups: ['normalization'],
} satisfies OpDescriptor;
