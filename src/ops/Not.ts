import { unaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';

export default {
  ...unaryOp('Not', () => (x) => (x ? 0 : 1)),
  outputDType: 'bool',
} satisfies OpDescriptor;
