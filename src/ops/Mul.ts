import { binaryOp } from './common/elementwise.js';

export default binaryOp('Mul', (a, b) => a * b);
