import { operand } from './common/constants.js';
import type { OpMapping } from './types.js';

/** PRelu -> PRELU; the slope in the input's layout (int8: symmetric per-tensor unless the QDQ graph set it). */
export default {
  opType: 'PRelu',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    cx.emit('PRELU', [cx.input(0), operand(cx, 1)], [cx.output(0)]);
  },
} satisfies OpMapping;
