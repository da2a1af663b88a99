import type { OpDescriptor } from './types.js';

/** ArgMax: the index of the largest element along `axis`. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'ArgMax', outputDType: 'int64' } satisfies OpDescriptor;
