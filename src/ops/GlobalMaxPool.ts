import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/** [N, C, ...spatial] -> [N, C, 1, ...]. */
export default {
  opType: 'GlobalMaxPool',
  inferShapes: (_node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    return [withShape(ctx.inputTypes[0], x ? x.map((d, i) => (i < 2 ? d : 1)) : undefined)];
  },
  nonNegative: 'if-input',
  positivelyHomogeneous: true,
} satisfies OpDescriptor;
