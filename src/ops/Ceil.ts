import { unaryOp } from './common/elementwise.js';

export default unaryOp('Ceil', () => Math.ceil, { floatOnly: true });
