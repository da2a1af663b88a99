import { attrInts } from '../ir/attrs.js';
import { shapeOf, withShape } from './common/shape.js';
import { ceilModeOf, windowDims } from './common/window.js';
import type { OpDescriptor } from './types.js';

export default {
  opType: 'AveragePool',
  inferShapes: (node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    const kernel = attrInts(node, 'kernel_shape');
    const shape =
      x && kernel
        ? [x[0] ?? null, x[1] ?? null, ...windowDims(node, x.slice(2), kernel, ceilModeOf(node))]
        : undefined;
    return [withShape(ctx.inputTypes[0], shape)];
  },
} satisfies OpDescriptor;
