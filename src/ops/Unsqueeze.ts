import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { axesOf } from './common/axes.js';
import { normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { reshapeLowering } from '../convert/lowering/reshape.js';

/** Unsqueeze inserts 1s at `axes`, which count in the output's rank. */
function unsqueezeDims(node: Node, shape: Dim[], axesIn: Tensor | undefined): Dim[] | undefined {
  const axes = axesOf(node, axesIn);
  if (!axes) return undefined;
  const rank = shape.length + axes.length;
  const at = new Set(axes.map((a) => normAxis(a, rank)));
  const rest = [...shape];
  return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : (rest.shift() ?? null)));
}

/** Unsqueeze -> RESHAPE (TFLite int8 spec: input and output share parameters). */
const tflite = reshapeLowering();

export default {
  opType: 'Unsqueeze',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    return [withShape(ctx.inputTypes[0], shape ? unsqueezeDims(node, shape, ctx.constants[1]) : undefined)];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const dims = unsqueezeDims(node, [...x.dims], inputs[1]);
    if (!dims) throw new NotEvaluable(node, 'axes unknown');
    return [new Tensor(x.dtype, dims as number[], x.data)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  resultView: true,
} satisfies OpDescriptor;
