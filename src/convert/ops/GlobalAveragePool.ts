import { reduction } from './common/reduce.js';

/** GlobalAveragePool -> MEAN over the spatial axes, kept as 1s; any layout. */
export default reduction('GlobalAveragePool', 'MEAN', (rank) =>
  Array.from({ length: rank - 2 }, (_, i) => i + 2),
);
