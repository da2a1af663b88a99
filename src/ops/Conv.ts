import { attrInts } from '../ir/attrs.js';
import { shapeOf, withShape } from './common/shape.js';
import { windowDims } from './common/window.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';

/** Conv: X [N, C, ...spatial], W [M, C/group, ...kernel] -> [N, M, ...]. */
export default {
  opType: 'Conv',
  inferShapes: (node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    const w = shapeOf(ctx.inputTypes[1]);
    if (!x || !w) return [withShape(ctx.inputTypes[0], undefined)];
    const kernel = attrInts(node, 'kernel_shape') ?? w.slice(2).map((d) => (typeof d === 'number' ? d : NaN));
    const spatial = windowDims(node, x.slice(2), kernel).map((d) => (Number.isNaN(d) ? null : d));
    return [withShape(ctx.inputTypes[0], [x[0] ?? null, w[0] ?? null, ...spatial])];
  },
  quant: {
    activations: first,
    weight: () => ({ index: 1, axis: 0 }),
    bias: 2,
    output: 'calibrated',
  },
} satisfies OpDescriptor;
