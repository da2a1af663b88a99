import type { OpDescriptor } from './types.js';

/** LessOrEqual: x <= y, elementwise with broadcasting. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'LessOrEqual', outputDType: 'bool' } satisfies OpDescriptor;
