import { unaryOp } from './common/elementwise.js';

export default unaryOp('Neg', () => (x) => -x);
