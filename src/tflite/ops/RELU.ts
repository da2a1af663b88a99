import { ACT } from '../../runtime/integer/kernels/common/params.js';
import { relu } from './common/families.js';
import { first, inp, is } from './common/version.js';

/** Clamps to [q(0), 127]. */
export const RELU = relu(
  'RELU',
  ACT.RELU,
  first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
);
