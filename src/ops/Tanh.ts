import { unaryOp } from './common/elementwise.js';

export default unaryOp('Tanh', () => Math.tanh, { floatOnly: true });
