import type { OpDescriptor } from './types.js';
import { argOp } from './common/arg.js';

/** ArgMin: the index of the smallest element along `axis` -> ARG_MIN. */
export default argOp('ArgMin', 'ARG_MIN') satisfies OpDescriptor;
