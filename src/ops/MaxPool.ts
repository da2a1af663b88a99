import { attrInts } from '../ir/attrs.js';
import { shapeOf, tensorType, withShape } from './common/shape.js';
import { ceilModeOf, windowDims } from './common/window.js';
import type { OpDescriptor } from './types.js';

/** MaxPool's optional second output holds int64 indices. */
export default {
  opType: 'MaxPool',
  inferShapes: (node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    const kernel = attrInts(node, 'kernel_shape');
    const shape =
      x && kernel
        ? [x[0] ?? null, x[1] ?? null, ...windowDims(node, x.slice(2), kernel, ceilModeOf(node))]
        : undefined;
    return [withShape(ctx.inputTypes[0], shape), tensorType('int64', shape)];
  },
} satisfies OpDescriptor;
