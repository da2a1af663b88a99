import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';

export default { ...reduceOp('ReduceMax'), nonNegative: 'if-input' } satisfies OpDescriptor;
