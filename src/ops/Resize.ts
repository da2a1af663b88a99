import { attrInts } from '../ir/attrs.js';
import type { Dim } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor, ShapeContext } from './types.js';
import { passThrough } from './common/quant.js';

/**
 * Resize-10 is (X, scales); Resize-11+ is (X, roi, scales, sizes) with one of scales/sizes given. The
 * output is `sizes`, or floor(dim * scale).
 */
export function resizeShape(
  shape: Dim[],
  scales: Tensor | undefined,
  sizes: Tensor | undefined,
): Dim[] | undefined {
  if (sizes && sizes.size === shape.length) return sizes.toNumbers();
  if (scales && scales.size === shape.length) {
    const s = scales.toNumbers();
    return shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * s[i]!) : s[i] === 1 ? d : null));
  }
  return undefined;
}

function infer(ctx: ShapeContext, scalesAt: number, sizesAt: number): ReturnType<typeof resizeShape> {
  const shape = shapeOf(ctx.inputTypes[0]);
  return shape ? resizeShape(shape, ctx.constants[scalesAt], ctx.constants[sizesAt]) : undefined;
}

export default {
  opType: 'Resize',
  inferShapes: (node, ctx) => {
    // Resize-18's `axes` restricts scales/sizes to some axes; not handled: leave the shape unknown.
    if (attrInts(node, 'axes')) return [withShape(ctx.inputTypes[0], undefined)];
    const v10 = node.inputs.length === 2;
    return [withShape(ctx.inputTypes[0], infer(ctx, v10 ? 1 : 2, v10 ? -1 : 3))];
  },
  quant: passThrough,
} satisfies OpDescriptor;
