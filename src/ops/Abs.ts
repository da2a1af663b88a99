import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';

export default { ...unaryOp('Abs', () => Math.abs), nonNegative: 'always' } satisfies OpDescriptor;
