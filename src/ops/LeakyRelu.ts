import { attrFloat, float } from '../ir/attrs.js';
import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** LeakyRelu -> LEAKY_RELU with its alpha. */
const tflite = unaryLowering('LEAKY_RELU', (node) => ({ alpha: float(attrFloat(node, 'alpha', 0.01)) }));

export default {
  ...unaryOp('LeakyRelu', (node) => {
    const alpha = attrFloat(node, 'alpha', 0.01);
    return (x) => (x >= 0 ? x : alpha * x);
  }),
  quant: calibrated,
  tflite,
  positivelyHomogeneous: true,
} satisfies OpDescriptor;
