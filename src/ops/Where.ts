import { broadcastOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { typedOperand } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** Where(condition, X, Y) -> SELECT_V2 (broadcasting), float: Where has no quantizer rule. */
const tflite = {
  layout: 'agnostic',
  int8: false,
  lower(_node, cx) {
    cx.emit(
      'SELECT_V2',
      [0, 1, 2].map((i) => typedOperand(cx, i)),
      [cx.output(0)],
    );
  },
} satisfies TfliteLowering;

/** Where(condition, X, Y): the result has X's element type. */
export default {
  ...broadcastOp('Where', (xs) => (xs[0] ? xs[1]! : xs[2]!), { dtypeFrom: 1 }),
  tflite,
} satisfies OpDescriptor;
