import { attrInt } from '../ir/attrs.js';
import type { Dim } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { dimProduct, shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { reshapeLowering } from '../convert/lowering/reshape.js';

function flattenDims(shape: readonly Dim[], axis: number): Dim[] {
  const a = axis < 0 ? axis + shape.length : axis;
  return [dimProduct(shape.slice(0, a)) ?? null, dimProduct(shape.slice(a)) ?? null];
}

/** Flatten -> RESHAPE (TFLite int8 spec: input and output share parameters). */
const tflite = reshapeLowering();

export default {
  opType: 'Flatten',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    return [
      withShape(ctx.inputTypes[0], shape ? flattenDims(shape, attrInt(node, 'axis', 1)) : [null, null]),
    ];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    return [new Tensor(x.dtype, flattenDims(x.dims, attrInt(node, 'axis', 1)) as number[], x.data)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  resultView: true,
} satisfies OpDescriptor;
