import { binaryOp } from './common/elementwise.js';

export default binaryOp('Add', (a, b) => a + b);
