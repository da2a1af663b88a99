import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** ReduceProd -> REDUCE_PROD, float (no quantizer rule: a product has no scale related to its inputs'). */
const tflite = reduceLowering('REDUCE_PROD', undefined, false);

export default { ...reduceOp('ReduceProd'), tflite } satisfies OpDescriptor;
