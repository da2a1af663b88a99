import { unaryOp } from './common/elementwise.js';

export default unaryOp('Reciprocal', () => (x) => 1 / x, { floatOnly: true });
