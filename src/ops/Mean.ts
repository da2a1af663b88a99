import { broadcastOp } from './common/elementwise.js';

export default broadcastOp('Mean', (xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
