import type { OpDescriptor } from './types.js';

/** ArgMin: the index of the smallest element along `axis`. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'ArgMin', outputDType: 'int64' } satisfies OpDescriptor;
