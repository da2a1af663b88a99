import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { TANH_OUT, first } from './common/quant.js';

export default {
  ...unaryOp('Tanh', () => Math.tanh, { floatOnly: true }),
  quant: { activations: first, output: TANH_OUT },
} satisfies OpDescriptor;
