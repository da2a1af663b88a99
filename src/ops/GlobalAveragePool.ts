import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';

/** [N, C, ...spatial] -> [N, C, 1, ...]. */
export default {
  opType: 'GlobalAveragePool',
  inferShapes: (_node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    return [withShape(ctx.inputTypes[0], x ? x.map((d, i) => (i < 2 ? d : 1)) : undefined)];
  },
  quant: passThrough,
} satisfies OpDescriptor;
