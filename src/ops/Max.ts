import { broadcastOp } from './common/elementwise.js';

export default broadcastOp('Max', (xs) => Math.max(...xs));
