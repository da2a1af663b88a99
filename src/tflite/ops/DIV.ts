import { binaryKernel } from './common/binary.js';

/** float32 only: TFLite has no int8 DIV; a converted graph keeps it in a float island. */
export const DIV = binaryKernel({ opType: 'DIV', float32: (a, b) => a / b });
