import { binaryOp } from './common/elementwise.js';

export default binaryOp('Less', (a, b) => (a < b ? 1 : 0), { resultType: 'bool' });
