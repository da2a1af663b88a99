import { reduceOp } from './common/reduce.js';
import type { OpDescriptor } from './types.js';
import { reduceLowering } from '../convert/lowering/reduce.js';

/** ReduceSum -> SUM over the physical axes of the reduced ones. */
const tflite = reduceLowering('SUM');

export default { ...reduceOp('ReduceSum'), tflite } satisfies OpDescriptor;
