import { unaryOp } from './common/elementwise.js';

export default unaryOp('Sigmoid', () => (x) => 1 / (1 + Math.exp(-x)), { floatOnly: true });
