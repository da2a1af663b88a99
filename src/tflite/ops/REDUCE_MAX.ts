import { pickReduceKernel } from '../../runtime/integer/kernels/common/reduce-pick.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { REDUCER_OPTIONS } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** MAX over the axes of input 1 (keep_dims option); int8 picks stored values, so it keeps the input's parameters. */
export const REDUCE_MAX = defineBuiltin({
  name: 'REDUCE_MAX',
  options: REDUCER_OPTIONS,
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: sameAsInput,
  kernel: pickReduceKernel('REDUCE_MAX', (a, b) => a > b),
});
