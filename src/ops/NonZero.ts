import type { OpDescriptor } from './types.js';

/** NonZero: the indices of the non-zero elements, [rank, count]. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'NonZero', outputDType: 'int64' } satisfies OpDescriptor;
