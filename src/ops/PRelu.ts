import { binaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import { operand } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** PRelu: slope broadcasts unidirectionally to X, so the output has X's shape. */
const op = binaryOp('PRelu', (x, slope) => (x < 0 ? slope * x : x));

/** PRelu -> PRELU; the slope in the input's layout (int8: symmetric per-tensor unless the QDQ graph set it). */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    cx.emit('PRELU', [cx.input(0), operand(cx, 1)], [cx.output(0)]);
  },
} satisfies TfliteLowering;

export default {
  ...op,
  inferShapes: (_node, ctx) => [ctx.inputTypes[0]],
  quant: calibrated,
  tflite,
  positivelyHomogeneous: true,
} satisfies typeof op;
