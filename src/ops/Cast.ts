import { attrInt } from '../ir/attrs.js';
import { dtypeFromOnnx, type DType } from '../ir/dtype.js';
import type { Node } from '../ir/graph.js';
import { computable, makeTensor, values } from './common/compute.js';
import { shapeOf, tensorType } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';

/** The element type a Cast produces (attribute `to`, an ONNX TensorProto.DataType code). */
export function castTarget(node: Node): DType | undefined {
  const to = attrInt(node, 'to');
  return to === undefined ? undefined : dtypeFromOnnx(to);
}

export default {
  opType: 'Cast',
  inferShapes: (node, ctx) => {
    const to = castTarget(node);
    return [to ? tensorType(to, shapeOf(ctx.inputTypes[0])) : undefined];
  },
  evaluate: (node, inputs) => {
    const to = castTarget(node);
    const x = inputs[0];
    if (!to || !computable(to)) throw new NotEvaluable(node, `no reference cast to ${to}`);
    // Float to integer truncates toward zero (static_cast in ONNX Runtime); makeTensor does the same.
    return [makeTensor(to, x!.dims, values(node, x))];
  },
} satisfies OpDescriptor;
