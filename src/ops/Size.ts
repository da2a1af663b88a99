import { Tensor } from '../ir/tensor.js';
import { tensorType } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/**
 * Size: the element count of its input, an int64 scalar. The converter folds it once shapes are known
 * (Silero VAD's decoder asks the size of a shape to pick an If branch); src/quant/dtypes.ts reads its type.
 */
export default {
  opType: 'Size',
  outputDType: 'int64',
  inferShapes: () => [tensorType('int64', [])],
  evaluate: (_node, inputs) => [Tensor.int64([], [inputs[0]!.size])],
} satisfies OpDescriptor;
