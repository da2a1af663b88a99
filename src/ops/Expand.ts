import { broadcastIndex, pick } from './common/compute.js';
import { broadcastShapes, constInts, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';

/** Expand: the input broadcast (both ways, as numpy) against the requested shape. */
export default {
  opType: 'Expand',
  inferShapes: (_node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    const target = constInts(ctx.constants[1]);
    return [withShape(ctx.inputTypes[0], shape && target ? broadcastShapes([shape, target]) : undefined)];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const dims = broadcastShapes([[...x.dims], constInts(inputs[1])!]);
    if (dims.some((d) => d === null)) throw new NotEvaluable(node, 'shapes do not broadcast');
    return [pick(x, dims as number[], broadcastIndex(x.dims, dims as number[]))];
  },
} satisfies OpDescriptor;
