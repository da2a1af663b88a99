import { int } from '../ir/attrs.js';
import { Tensor } from '../ir/tensor.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { ActivationFunctionType } from '../formats/tflite/schema.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** Reciprocal -> DIV(1, x), float (TFLite has no int8 DIV): a float island in int8. */
const tflite = {
  layout: 'agnostic',
  int8: false,
  lower(_node, cx) {
    const one = cx.addConstant('reciprocal_one', Tensor.float32([], [1]));
    cx.emit('DIV', [one, cx.input(0)], [cx.output(0)], {
      fused_activation_function: int(ActivationFunctionType.NONE),
    });
  },
} satisfies TfliteLowering;

export default {
  ...unaryOp('Reciprocal', () => (x) => 1 / x, { floatOnly: true }),
  quant: calibrated,
  tflite,
} satisfies OpDescriptor;
