import { binaryOp } from './common/elementwise.js';

export default binaryOp('Pow', (a, b) => a ** b);
