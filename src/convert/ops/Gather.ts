import { attrInt, int } from '../../ir/attrs.js';
import { Tensor } from '../../ir/tensor.js';
import { floatConstant, int8Constant } from './common/constants.js';
import type { OpMapping } from './types.js';

/**
 * Gather -> GATHER (indices int32 or int64 as given). An embedding table stays int8 with its QDQ
 * parameters, which the output shares (TFLite int8 spec).
 */
export default {
  opType: 'Gather',
  layout: 'logical',
  int8: true,
  lower(node, cx) {
    const table = cx.constant(0);
    const data = table
      ? cx.addConstant(
          `${node.inputs[0]}_${cx.int8 ? 'int8' : 'float'}`,
          cx.int8 ? int8Constant(table, cx.outParams(0)) : floatConstant(table),
        )
      : cx.input(0);
    const idx = cx.constant(1);
    const indices = idx
      ? cx.addConstant(`${node.inputs[1]}_i32`, Tensor.int32(idx.dims, idx.toNumbers()))
      : cx.input(1);
    const rank = cx.inShape(0).length;
    const axis = attrInt(node, 'axis', 0);
    cx.emit('GATHER', [data, indices], [cx.output(0)], {
      axis: int(axis < 0 ? axis + rank : axis),
      batch_dims: int(0),
    });
  },
} satisfies OpMapping;
