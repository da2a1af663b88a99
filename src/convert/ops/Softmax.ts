import { attrInt, float } from '../../ir/attrs.js';
import { identity } from '../layout-math.js';
import { int32s, physicalAxisOf } from './common/constants.js';
import type { OpMapping } from './types.js';

/**
 * Softmax (opset 13: one axis) -> SOFTMAX, which works on the innermost axis; another axis is moved
 * there and back by a TRANSPOSE pair. TFLite int8 spec: output 1/256, -128.
 */
export default {
  opType: 'Softmax',
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
} satisfies OpMapping;
