import { int } from '../ir/attrs.js';
import { Tensor } from '../ir/tensor.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { ActivationFunctionType } from '../formats/tflite/schema.js';
import { int8Constant } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Neg -> NEG in float; int8 -> MUL by -1 (TFLite's int8 NEG negates stored values and ignores the
 * parameters, which no calibrated output satisfies in general; MUL requantizes).
 */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(_node, cx) {
    if (!cx.int8) return cx.emit('NEG', [cx.input(0)], [cx.output(0)]);
    const minusOne = cx.addConstant('neg_minus_one', int8Constant(Tensor.float32([], [-1])));
    cx.emit('MUL', [cx.input(0), minusOne], [cx.output(0)], {
      fused_activation_function: int(ActivationFunctionType.NONE),
    });
  },
} satisfies TfliteLowering;

export default { ...unaryOp('Neg', () => (x) => -x), quant: calibrated, tflite } satisfies OpDescriptor;
