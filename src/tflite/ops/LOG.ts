import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { always1 } from './common/version.js';

/** float32 only here: a converted graph keeps LOG in a float island. */
export const LOG = defineBuiltin({
  name: 'LOG',
  options: null,
  version: always1,
  kernel: unaryKernel('LOG', undefined, Math.log),
});
