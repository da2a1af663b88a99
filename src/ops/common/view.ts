import type { Dim, Node } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { reshapeLowering } from '../../convert/lowering/reshape.js';
import { NotEvaluable, type OpDescriptor } from '../types.js';
import { passThrough } from './quant.js';
import { shapeOf, withShape } from './shape.js';

/** The output dims of a view op from its input's dims and its axes input; undefined when unknown. */
export type ViewDims = (node: Node, shape: Dim[], axes: Tensor | undefined) => Dim[] | undefined;

/**
 * An op that gives its input's data other dims by an axes input (Squeeze, Unsqueeze): evaluated without
 * a copy, quantized as pass-through, lowered to RESHAPE (TFLite int8 spec: input and output share
 * parameters).
 */
export function viewOp(opType: string, dims: ViewDims) {
  return {
    opType,
    inferShapes: (node, ctx) => {
      const shape = shapeOf(ctx.inputTypes[0]);
      return [withShape(ctx.inputTypes[0], shape ? dims(node, shape, ctx.constants[1]) : undefined)];
    },
    evaluate: (node, inputs) => {
      const x = inputs[0]!;
      const out = dims(node, [...x.dims], inputs[1]);
      if (!out) throw new NotEvaluable(node, 'axes unknown');
      return [new Tensor(x.dtype, out as number[], x.data)];
    },
    quant: passThrough,
    tflite: reshapeLowering(),
    nonNegative: 'if-input',
    resultView: true,
    movesData: true,
  } satisfies OpDescriptor;
}
