import { constantInts } from '../../runtime/integer/kernels/common/params.js';
import { normalizeAxis, viewKernel } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Inserts a size-1 axis at the position input 1 gives (negative counts from the end of the result). */
const kernel = viewKernel('EXPAND_DIMS', (cx, input) => {
  const axis = normalizeAxis(cx, constantInts(cx, 1, 'axis')[0] ?? 0, input.length + 1);
  return [...input.slice(0, axis), 1, ...input.slice(axis)];
});

export const EXPAND_DIMS = defineBuiltin({
  name: 'EXPAND_DIMS',
  options: optionsTable('ExpandDimsOptions'),
  version: always1,
  int8: sameAsInput,
  kernel,
});
