import { binaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';

/** PRelu: slope broadcasts unidirectionally to X, so the output has X's shape. */
const op = binaryOp('PRelu', (x, slope) => (x < 0 ? slope * x : x));
export default {
  ...op,
  inferShapes: (_node, ctx) => [ctx.inputTypes[0]],
  quant: calibrated,
} satisfies typeof op;
