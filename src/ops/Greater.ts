import { binaryOp } from './common/elementwise.js';

export default binaryOp('Greater', (a, b) => (a > b ? 1 : 0), { resultType: 'bool' });
