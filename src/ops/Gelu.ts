import { attrString, int } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { erf } from './Erf.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** The tanh approximation ('tanh') or the exact erf form ('none', the default). */
export const geluApproximate = (node: Node): boolean =>
  (attrString(node, 'approximate') ?? 'none') === 'tanh';

export const geluExact = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
export const geluTanh = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

/** Gelu (opset 20) -> GELU with its approximate flag; int8 is TFLite's lookup table. */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    cx.emit('GELU', [cx.input(0)], [cx.output(0)], { approximate: int(geluApproximate(node) ? 1 : 0) });
  },
} satisfies TfliteLowering;

export default {
  ...unaryOp('Gelu', (node) => (geluApproximate(node) ? geluTanh : geluExact), { floatOnly: true }),
  quant: calibrated,
  tflite,
} satisfies OpDescriptor;
