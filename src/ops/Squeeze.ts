import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { axesOf } from './common/axes.js';
import { normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { reshapeLowering } from '../convert/lowering/reshape.js';

/** Squeeze drops the listed axes, or without axes every dim that is 1 (then every dim must be known). */
function squeezeDims(node: Node, shape: Dim[], axesIn: Tensor | undefined): Dim[] | undefined {
  const axes = axesOf(node, axesIn);
  if (axes === undefined) return undefined;
  if (axes === null)
    return shape.some((d) => typeof d !== 'number') ? undefined : shape.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normAxis(a, shape.length)));
  return shape.filter((_, i) => !drop.has(i));
}

/** Squeeze -> RESHAPE (TFLite int8 spec: input and output share parameters). */
const tflite = reshapeLowering();

export default {
  opType: 'Squeeze',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    return [withShape(ctx.inputTypes[0], shape ? squeezeDims(node, shape, ctx.constants[1]) : undefined)];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const dims = squeezeDims(node, [...x.dims], inputs[1]);
    if (!dims) throw new NotEvaluable(node, 'axes unknown');
    return [new Tensor(x.dtype, dims as number[], x.data)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  resultView: true,
} satisfies OpDescriptor;
