import type { OpDescriptor } from './types.js';

/** IsNaN: whether each element is NaN. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'IsNaN', outputDType: 'bool' } satisfies OpDescriptor;
