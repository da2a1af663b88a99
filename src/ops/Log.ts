import { unaryOp } from './common/elementwise.js';

export default unaryOp('Log', () => Math.log, { floatOnly: true });
