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
    // Half-precision weights (float16/bfloat16 initializers read through a Cast, as half exports are
    // written) widen exactly to float32, so their casts fold and the weights can be quantized.
    const half = x && (x.dtype === 'float16' || x.dtype === 'bfloat16');
    // Float to integer truncates toward zero (static_cast in ONNX Runtime); makeTensor does the same.
    return [makeTensor(to, x!.dims, half ? x.toFloat32() : values(node, x))];
  },
} satisfies OpDescriptor;
