import { attrFloat } from '../ir/attrs.js';
import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';

export default {
  ...unaryOp('LeakyRelu', (node) => {
    const alpha = attrFloat(node, 'alpha', 0.01);
    return (x) => (x >= 0 ? x : alpha * x);
  }),
  quant: calibrated,
} satisfies OpDescriptor;
