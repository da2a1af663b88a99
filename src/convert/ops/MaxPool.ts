import { pool } from './common/pool.js';

/** MaxPool -> MAX_POOL_2D (TFLite int8 spec: input and output share parameters). */
export default pool('MaxPool', 'MAX_POOL_2D');
