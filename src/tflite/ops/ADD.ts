import { addSub } from './common/families.js';
import { first, inp, is, opt, out } from './common/version.js';

export const ADD = addSub(
  'ADD',
  1,
  first(
    [(s) => is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0, 5],
    [(s) => is(inp(s, 0), 'INT64'), 4],
    [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
);
