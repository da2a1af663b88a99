import type { OpDescriptor } from './types.js';
import { argOp } from './common/arg.js';

/** ArgMax: the index of the largest element along `axis` -> ARG_MAX. */
export default argOp('ArgMax', 'ARG_MAX') satisfies OpDescriptor;
