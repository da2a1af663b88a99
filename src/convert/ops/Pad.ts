import { UnsupportedOpError } from '../../errors.js';
import { attrString } from '../../ir/attrs.js';
import { int32s } from './common/constants.js';
import type { OpMapping } from './types.js';

/**
 * Pad (constant mode, value 0) -> PAD with paddings in the input's physical order. int8 pads with the
 * zero point, which is real 0 (TFLite int8 spec: PAD shares input and output parameters).
 */
export default {
  opType: 'Pad',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const pads = cx.constant(1)?.toNumbers();
    const value = cx.constant(2)?.toFloat32()[0] ?? 0;
    const axes = cx.constant(3)?.toNumbers();
    if (!pads || attrString(node, 'mode', 'constant') !== 'constant' || value !== 0 || axes) {
      throw new UnsupportedOpError(
        node.name,
        'Pad',
        ['Pad (constant mode, value 0, constant pads)'],
        'in TFLite conversion',
      );
    }
    const rank = cx.inShape(0).length;
    const physical = cx.inPerm(0).flatMap((a) => [pads[a]!, pads[a + rank]!]);
    const paddings = cx.addConstant(`${node.inputs[1]}_paddings`, int32s(physical, [rank, 2]));
    cx.emit('PAD', [cx.input(0), paddings], [cx.output(0)]);
  },
} satisfies OpMapping;
