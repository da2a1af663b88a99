import { addSub } from './common/families.js';
import { broadcast5d, first, inp, is, opt, out } from './common/version.js';

export const SUB = addSub(
  'SUB',
  -1,
  first(
    [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 5],
    [(s) => is(inp(s, 0), 'INT64'), 4],
    [broadcast5d, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
);
