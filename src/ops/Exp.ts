import { unaryOp } from './common/elementwise.js';

export default unaryOp('Exp', () => Math.exp, { floatOnly: true });
