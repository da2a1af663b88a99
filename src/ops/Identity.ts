import { sameAsInput } from './common/shape.js';
import type { OpDescriptor } from './types.js';

export default {
  opType: 'Identity',
  inferShapes: sameAsInput(0),
  evaluate: (_node, inputs) => [inputs[0]!],
} satisfies OpDescriptor;
