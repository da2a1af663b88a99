import { sameAsInput } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { SIGMOID_OUT, first } from './common/quant.js';
import { attrInt, float } from '../ir/attrs.js';
import { identity } from '../convert/layout-math.js';
import { int32s, physicalAxisOf } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Softmax (opset 13: one axis) -> SOFTMAX, which works on the innermost axis; another axis is moved
 * there and back by a TRANSPOSE pair. TFLite int8 spec: output 1/256, -128.
 */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const perm = cx.inPerm(0);
    const last = perm.length - 1;
    const axis = physicalAxisOf(attrInt(node, 'axis', -1), perm);
    const beta = { beta: float(1) };
    if (axis === last) return cx.emit('SOFTMAX', [cx.input(0)], [cx.output(0)], beta);
    const swap = identity(perm.length);
    [swap[axis], swap[last]] = [last, axis];
    const shape = swap.map((a) => cx.outShape(0)[perm[a]!]!);
    const swapName = cx.addConstant(`softmax_swap_${swap.join('_')}`, int32s(swap));
    const [inP, outP] = [cx.inParams(0), cx.outParams(0)];
    const dtype = inP ? 'int8' : 'float32';
    const moved = cx.addValue(`${node.outputs[0]}_axis_last`, dtype, shape, inP);
    const result = cx.addValue(`${node.outputs[0]}_softmax`, dtype, shape, outP);
    cx.emit('TRANSPOSE', [cx.input(0), swapName], [moved]);
    cx.emit('SOFTMAX', [moved], [result], beta);
    cx.emit('TRANSPOSE', [result, swapName], [cx.output(0)]);
  },
} satisfies TfliteLowering;

/** Before opset 13 Softmax flattens to 2-D at `axis` (default 1); from 13 it works along `axis` (default -1). */
export default {
  opType: 'Softmax',
  inferShapes: sameAsInput(0),
  quant: { activations: first, output: SIGMOID_OUT },
  tflite,
  nonNegative: 'always',
  resultView: true,
} satisfies OpDescriptor;
