import type { OpDescriptor } from './types.js';

/** Size: the element count of its input, a scalar. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'Size', outputDType: 'int64' } satisfies OpDescriptor;
