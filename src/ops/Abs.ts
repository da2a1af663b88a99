import { unaryOp } from './common/elementwise.js';

export default unaryOp('Abs', () => Math.abs);
