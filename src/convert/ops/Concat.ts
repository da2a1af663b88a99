import { attrInt, int } from '../../ir/attrs.js';
import { operand, physicalAxisOf } from './common/constants.js';
import type { OpMapping } from './types.js';

/** Concat -> CONCATENATION on the physical axis; constant inputs at the output's parameters. */
export default {
  opType: 'Concat',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const inputs = node.inputs.map((_, i) => operand(cx, i, cx.outParams(0)));
    const axis = physicalAxisOf(attrInt(node, 'axis', 0), cx.outPerm(0));
    cx.emit('CONCATENATION', inputs, [cx.output(0)], { axis: int(axis), fused_activation_function: int(0) });
  },
} satisfies OpMapping;
