import { attrInts } from '../../ir/attrs.js';
import { constantInts, KernelError, sizeOf } from '../../runtime/integer/kernels/common/params.js';
import { viewKernel } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** New shape from input 1, else the new_shape option, else the declared output shape; one -1 is inferred. */
const kernel = viewKernel('RESHAPE', (cx, input) => {
  const given = cx.inputs[1]?.name
    ? constantInts(cx, 1, 'shape')
    : (attrInts(cx.node, 'new_shape') ?? cx.outputs[0]?.shape);
  if (!given) throw new KernelError(cx, 'the new shape is not known');
  const known = given.filter((d) => d !== -1);
  if (given.length - known.length > 1) throw new KernelError(cx, `shape [${given}] has more than one -1`);
  const rest = sizeOf(known);
  return given.map((d) => (d === -1 ? (rest ? sizeOf(input) / rest : 0) : d));
});

export const RESHAPE = defineBuiltin({
  name: 'RESHAPE',
  options: optionsTable('ReshapeOptions', [field('new_shape', 'int[]')]),
  version: always1,
  int8: sameAsInput,
  keepsExtremes: true,
  kernel,
});
