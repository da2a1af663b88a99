import { reduction } from './common/reduce.js';

/** ReduceSum -> SUM over the physical axes of the reduced ones. */
export default reduction('ReduceSum', 'SUM');
