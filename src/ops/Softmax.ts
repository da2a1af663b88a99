import { sameAsInput } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { SIGMOID_OUT, first } from './common/quant.js';

/** Before opset 13 Softmax flattens to 2-D at `axis` (default 1); from 13 it works along `axis` (default -1). */
export default {
  opType: 'Softmax',
  inferShapes: sameAsInput(0),
  quant: { activations: first, output: SIGMOID_OUT },
} satisfies OpDescriptor;
