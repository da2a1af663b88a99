import { int } from '../../ir/attrs.js';
import { floatConstant, int8Constant } from './common/constants.js';
import { fullyConnected } from './common/fc.js';
import type { OpMapping } from './types.js';

/**
 * MatMul with constant 2-D B -> FULLY_CONNECTED (keep_num_dims for inputs above rank 2); with two
 * activations -> BATCH_MATMUL.
 */
export default {
  opType: 'MatMul',
  layout: 'logical',
  int8: true,
  fusable: (node, s) => s.graph.initializers.get(node.inputs[1]!)?.dims.length === 2,
  lower(node, cx) {
    const b = cx.constant(1);
    if (b && b.dims.length === 2) {
      return fullyConnected(cx, { weights: b, transposed: false, keepNumDims: cx.inShape(0).length > 2 });
    }
    const rhs = b
      ? cx.addConstant(`${node.inputs[1]}_rhs`, cx.int8 ? int8Constant(b) : floatConstant(b))
      : cx.input(1);
    cx.emit('BATCH_MATMUL', [cx.input(0), rhs], [cx.output(0)], { adj_x: int(0), adj_y: int(0) });
  },
} satisfies OpMapping;
