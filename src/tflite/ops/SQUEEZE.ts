import { attrInts } from '../../../ir/attrs.js';
import { KernelError } from './common/params.js';
import { normalizeAxis, viewKernel } from './common/view.js';

/** Drops the size-1 axes in squeeze_dims (every size-1 axis when it is empty). */
export const SQUEEZE = viewKernel('SQUEEZE', (cx, input) => {
  const dims = attrInts(cx.node, 'squeeze_dims', []).map((a) => normalizeAxis(cx, a, input.length));
  const drop = new Set(dims.length ? dims : input.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop)
    if (input[a] !== 1) throw new KernelError(cx, `axis ${a} has size ${input[a]}, not 1`);
  return input.filter((_, i) => !drop.has(i));
});
