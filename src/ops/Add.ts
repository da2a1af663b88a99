import type { OpDescriptor } from './types.js';
import { binaryOp } from './common/elementwise.js';
import { binary } from './common/quant.js';

export default { ...binaryOp('Add', (a, b) => a + b), quant: binary } satisfies OpDescriptor;
