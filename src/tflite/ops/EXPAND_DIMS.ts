import { constantInts } from './common/params.js';
import { normalizeAxis, viewKernel } from './common/view.js';

/** Inserts a size-1 axis at the position input 1 gives (negative counts from the end of the result). */
export const EXPAND_DIMS = viewKernel('EXPAND_DIMS', (cx, input) => {
  const axis = normalizeAxis(cx, constantInts(cx, 1, 'axis')[0] ?? 0, input.length + 1);
  return [...input.slice(0, axis), 1, ...input.slice(axis)];
});
