import { unaryOp } from './common/elementwise.js';

export default unaryOp('Relu', () => (x) => (x > 0 ? x : 0));
