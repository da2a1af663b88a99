import { unaryOp } from './common/elementwise.js';

export default unaryOp('Sqrt', () => Math.sqrt, { floatOnly: true });
