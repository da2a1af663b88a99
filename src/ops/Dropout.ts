import { Tensor } from '../ir/tensor.js';
import { shapeOf, tensorType } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/** At inference Dropout is the identity; its optional mask output is all true. */
export default {
  opType: 'Dropout',
  inferShapes: (_node, ctx) => [ctx.inputTypes[0], tensorType('bool', shapeOf(ctx.inputTypes[0]))],
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const out = [x];
    if (node.outputs[1]) out.push(new Tensor('bool', x.dims, new Uint8Array(x.size).fill(1)));
    return out;
  },
} satisfies OpDescriptor;
