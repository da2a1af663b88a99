import { binaryKernel } from '../../runtime/integer/kernels/common/binary.js';
import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** x ** y with broadcasting; float32 only (TFLite's POW has float and int32 kernels, no int8). */
export const POW = defineBuiltin({
  name: 'POW',
  options: optionsTable('PowOptions'),
  version: always1,
  kernel: binaryKernel({ opType: 'POW', float32: (a, b) => a ** b }),
});
