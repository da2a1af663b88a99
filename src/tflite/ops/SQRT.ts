import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { always1 } from './common/version.js';

/** float32 only: TFLite's SQRT has no int8 kernel, so a converted graph keeps it in a float island. */
export const SQRT = defineBuiltin({
  name: 'SQRT',
  options: null,
  version: always1,
  kernel: unaryKernel('SQRT', undefined, Math.sqrt),
});
