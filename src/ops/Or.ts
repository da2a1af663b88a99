import { binaryOp } from './common/elementwise.js';

export default binaryOp('Or', (a, b) => (a || b ? 1 : 0), { resultType: 'bool' });
