import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { passThrough } from './common/quant.js';

export default {
  ...unaryOp('Relu', () => (x) => (x > 0 ? x : 0)),
  quant: passThrough,
} satisfies OpDescriptor;
