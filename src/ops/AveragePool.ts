import { shapeOf, withShape } from './common/shape.js';
import { pooledShape } from './common/window.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';

export default {
  opType: 'AveragePool',
  inferShapes: (node, ctx) => {
    const shape = pooledShape(node, shapeOf(ctx.inputTypes[0]));
    return [withShape(ctx.inputTypes[0], shape)];
  },
  quant: passThrough,
} satisfies OpDescriptor;
