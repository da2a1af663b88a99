import { attrInts } from '../../ir/attrs.js';
import { KernelError } from '../../runtime/integer/kernels/common/params.js';
import { normalizeAxis, viewKernel } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** Drops the size-1 axes in squeeze_dims (every size-1 axis when it is empty). */
const kernel = viewKernel('SQUEEZE', (cx, input) => {
  const dims = attrInts(cx.node, 'squeeze_dims', []).map((a) => normalizeAxis(cx, a, input.length));
  const drop = new Set(dims.length ? dims : input.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop)
    if (input[a] !== 1) throw new KernelError(cx, `axis ${a} has size ${input[a]}, not 1`);
  return input.filter((_, i) => !drop.has(i));
});

export const SQUEEZE = defineBuiltin({
  name: 'SQUEEZE',
  options: optionsTable('SqueezeOptions', [field('squeeze_dims', 'int[]')]),
  version: first([(s) => is(inp(s, 0), 'STRING'), 2]),
  int8: sameAsInput,
  keepsExtremes: true,
  kernel,
});
