import { broadcastOp } from './common/elementwise.js';

/** Where(condition, X, Y): the result has X's element type. */
export default broadcastOp('Where', (xs) => (xs[0] ? xs[1]! : xs[2]!), { dtypeFrom: 1 });
