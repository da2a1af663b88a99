import { broadcastOp } from './common/elementwise.js';

export default broadcastOp('Min', (xs) => Math.min(...xs));
