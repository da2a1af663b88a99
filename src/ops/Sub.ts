import { binaryOp } from './common/elementwise.js';

export default binaryOp('Sub', (a, b) => a - b);
