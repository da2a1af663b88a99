import { attrInt } from '../../ir/attrs.js';
import { axesOf } from './axes.js';
import { normAxis, shapeOf, withShape } from './shape.js';
import type { OpDescriptor } from '../types.js';

/**
 * The Reduce* family: axes as attribute or input 1 (see axesOf), keepdims (default 1), and Reduce-18's
 * noop_with_empty_axes (no axes and the flag set: the identity; no axes otherwise: all axes).
 */
export function reduceOp(opType: string): OpDescriptor {
  return {
    opType,
    inferShapes: (node, ctx) => {
      const shape = shapeOf(ctx.inputTypes[0]);
      const axes = axesOf(node, ctx.constants[1]);
      if (!shape || axes === undefined) return [withShape(ctx.inputTypes[0], undefined)];
      const empty = axes === null || axes.length === 0;
      if (empty && attrInt(node, 'noop_with_empty_axes', 0) === 1) return [ctx.inputTypes[0]];
      const set = new Set(empty ? shape.map((_, i) => i) : axes!.map((a) => normAxis(a, shape.length)));
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const out = keep ? shape.map((d, i) => (set.has(i) ? 1 : d)) : shape.filter((_, i) => !set.has(i));
      return [withShape(ctx.inputTypes[0], out)];
    },
  };
}
