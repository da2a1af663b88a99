import { binaryOp } from './common/elementwise.js';

export default binaryOp('Equal', (a, b) => (a === b ? 1 : 0), { resultType: 'bool' });
