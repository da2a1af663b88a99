import { reduceOp } from './common/reduce.js';

export default reduceOp('ReduceMean');
