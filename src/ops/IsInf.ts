import type { OpDescriptor } from './types.js';

/** IsInf: whether each element is infinite (detect_positive / detect_negative). Only its output element type is known here (src/quant/dtypes.ts reads it). */
export default { opType: 'IsInf', outputDType: 'bool' } satisfies OpDescriptor;
