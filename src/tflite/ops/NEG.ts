import { unaryKernel } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/**
 * -x. float32 here: TFLite's int8 NEG negates the stored values and ignores the parameters (its output
 * would need the input's scale and the negated zero point, which -128 does not have), so an int8 Neg
 * lowers to MUL by -1 instead (src/ops/Neg.ts).
 */
export const NEG = defineBuiltin({
  name: 'NEG',
  options: optionsTable('NegOptions'),
  version: always1,
  kernel: unaryKernel('NEG', undefined, (v) => -v),
});
