import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** HardSwish -> HARD_SWISH. */
const tflite = unaryLowering('HARD_SWISH');

/** HardSwish-14: x * max(0, min(1, x/6 + 1/2)). */
export default {
  ...unaryOp('HardSwish', () => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)), {
    floatOnly: true,
  }),
  quant: calibrated,
  tflite,
  // x / 6 + 1/2 <= 0 for x <= -3: the output is 0 there; above, it keeps growing.
  saturatesOutside: () => [-3, Infinity],
} satisfies OpDescriptor;
