import { binaryOp } from './common/elementwise.js';

export default binaryOp('And', (a, b) => (a && b ? 1 : 0), { resultType: 'bool' });
