import type { OpDescriptor } from './types.js';

/** GreaterOrEqual: x >= y, elementwise with broadcasting. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'GreaterOrEqual', outputDType: 'bool' } satisfies OpDescriptor;
