import { attrTensor } from '../ir/attrs.js';
import { Tensor, elementCount } from '../ir/tensor.js';
import { computable, makeTensor } from './common/compute.js';
import { constInts, shapeOf, tensorType } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';

/** The fill value: attribute `value` (a one-element tensor), float32 0 by default. */
const fill = (node: Parameters<typeof attrTensor>[0]) =>
  attrTensor(node, 'value') ?? Tensor.float32([1], [0]);

export default {
  opType: 'ConstantOfShape',
  inferShapes: (node, ctx) => {
    const dims = constInts(ctx.constants[0]);
    const len = shapeOf(ctx.inputTypes[0])?.[0];
    const shape = dims ?? (typeof len === 'number' ? new Array(len).fill(null) : undefined);
    return [tensorType(fill(node).dtype, shape)];
  },
  evaluate: (node, inputs) => {
    const dims = constInts(inputs[0])!;
    const v = fill(node);
    if (!computable(v.dtype)) throw new NotEvaluable(node, `no reference fill of ${v.dtype}`);
    return [makeTensor(v.dtype, dims, new Float64Array(elementCount(dims)).fill(v.toNumbers()[0]!))];
  },
} satisfies OpDescriptor;
