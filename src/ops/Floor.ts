import { unaryOp } from './common/elementwise.js';

export default unaryOp('Floor', () => Math.floor, { floatOnly: true });
