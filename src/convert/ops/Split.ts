import { attrInt, int } from '../../ir/attrs.js';
import { int32s, physicalAxisOf } from './common/constants.js';
import { stridedSlice } from './common/slice.js';
import type { OpMapping } from './types.js';

/** Split -> SPLIT into equal parts, else one STRIDED_SLICE per part (TFLite int8 spec: shared parameters). */
export default {
  opType: 'Split',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const rank = cx.inShape(0).length;
    const axisAttr = attrInt(node, 'axis', 0);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    const sizes = node.outputs.map((_, i) => cx.outShape(i)[axis]!);
    if (sizes.every((s) => s === sizes[0])) {
      const axisName = cx.addConstant(`split_axis_${axis}`, int32s([physicalAxisOf(axis, cx.inPerm(0))], []));
      const outputs = node.outputs.map((_, i) => cx.output(i));
      return cx.emit('SPLIT', [axisName, cx.input(0)], outputs, { num_splits: int(sizes.length) });
    }
    let begin = 0;
    sizes.forEach((size, i) => {
      stridedSlice(cx, [{ axis, begin, end: begin + size, step: 1 }], cx.output(i));
      begin += size;
    });
  },
} satisfies OpMapping;
