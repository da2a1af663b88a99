import { unaryOp } from './common/elementwise.js';

export default unaryOp('Not', () => (x) => (x ? 0 : 1));
