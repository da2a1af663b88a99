import { attrInt } from '../ir/attrs.js';
import { dtypeFromOnnx, type DType } from '../ir/dtype.js';
import type { Node } from '../ir/graph.js';
import { computable, makeTensor, values } from './common/compute.js';
import { shapeOf, tensorType } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { int } from '../ir/attrs.js';
import { UnsupportedOpError } from '../errors.js';
import { TensorType, type TensorTypeName } from '../formats/tflite/schema.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** The element type a Cast produces (attribute `to`, an ONNX TensorProto.DataType code). */
export function castTarget(node: Node): DType | undefined {
  const to = attrInt(node, 'to');
  return to === undefined ? undefined : dtypeFromOnnx(to);
}

const TFLITE_TYPE: Partial<Record<DType, TensorTypeName>> = {
  float32: 'FLOAT32',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
  int8: 'INT8',
  uint8: 'UINT8',
};

/** Cast -> CAST between float32, int32, int64, bool, int8 and uint8 values, float (not a quantized value). */
const tflite = {
  layout: 'agnostic',
  int8: false,
  lower(node, cx) {
    const [from, to] = [cx.state.types.get(node.inputs[0]!), castTarget(node)];
    const codes = [from?.dtype, to].map((t) => (t ? TFLITE_TYPE[t] : undefined));
    if (codes.some((c) => !c))
      throw new UnsupportedOpError(
        node.name,
        'Cast',
        Object.keys(TFLITE_TYPE),
        `from ${codes[0]} to ${to} in TFLite conversion`,
      );
    cx.emit('CAST', [cx.input(0)], [cx.output(0)], {
      in_data_type: int(TensorType[codes[0]!]!),
      out_data_type: int(TensorType[codes[1]!]!),
    });
  },
} satisfies TfliteLowering;

export default {
  opType: 'Cast',
  tflite,
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
