import { pool } from './common/pool.js';

/** AveragePool -> AVERAGE_POOL_2D (TFLite int8 spec: input and output share parameters). */
export default pool('AveragePool', 'AVERAGE_POOL_2D');
