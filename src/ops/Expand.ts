import { broadcastIndex, pick } from './common/compute.js';
import { broadcastShapes, constInts, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { int32s } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** Expand -> BROADCAST_TO the output's physical shape; int8 keeps the input's parameters. */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(_node, cx) {
    const shape = cx.outPerm(0).map((a) => cx.outShape(0)[a]!);
    cx.emit('BROADCAST_TO', [cx.input(0), cx.addConstant('broadcast_shape', int32s(shape))], [cx.output(0)]);
  },
} satisfies TfliteLowering;

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
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
