import type { OpDescriptor } from './types.js';

/** Xor: logical exclusive or, elementwise with broadcasting. Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'Xor', outputDType: 'bool' } satisfies OpDescriptor;
