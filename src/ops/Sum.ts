import { broadcastOp } from './common/elementwise.js';

export default broadcastOp('Sum', (xs) => xs.reduce((a, b) => a + b, 0));
