import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { SIGMOID_OUT, first } from './common/quant.js';

export default {
  ...unaryOp('Sigmoid', () => (x) => 1 / (1 + Math.exp(-x)), { floatOnly: true }),
  quant: { activations: first, output: SIGMOID_OUT },
} satisfies OpDescriptor;
