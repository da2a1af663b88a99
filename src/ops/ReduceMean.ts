import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { calibrated } from './common/quant.js';

export default { ...reduceOp('ReduceMean'), quant: calibrated } satisfies OpDescriptor;
