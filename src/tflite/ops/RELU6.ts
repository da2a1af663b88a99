import { ACT } from '../../runtime/integer/kernels/common/params.js';
import { relu } from './common/families.js';
import { int16Int8 } from './common/version.js';

/** Clamps to [q(0), q(6)]. */
export const RELU6 = relu('RELU6', ACT.RELU6, int16Int8);
