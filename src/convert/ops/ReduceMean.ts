import { reduction } from './common/reduce.js';

/** ReduceMean -> MEAN over the physical axes of the reduced ones. */
export default reduction('ReduceMean', 'MEAN');
