import { binaryKernel } from '../../runtime/integer/kernels/common/binary.js';
import { defineBuiltin } from './common/builtin.js';
import { activation, optionsTable } from './common/options.js';
import { broadcast5d, first } from './common/version.js';

/** float32 only: TFLite has no int8 DIV; a converted graph keeps it in a float island. */
const kernel = binaryKernel({ opType: 'DIV', float32: (a, b) => a / b });

export const DIV = defineBuiltin({
  name: 'DIV',
  options: optionsTable('DivOptions', [activation]),
  version: first([broadcast5d, 2]),
  kernel,
});
