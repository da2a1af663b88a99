import { attrFloat } from '../ir/attrs.js';
import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';

export default {
  ...unaryOp(
    'HardSigmoid',
    (node) => {
      const alpha = attrFloat(node, 'alpha', 0.2);
      const beta = attrFloat(node, 'beta', 0.5);
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    },
    { floatOnly: true },
  ),
  quant: calibrated,
} satisfies OpDescriptor;
