import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is, rank } from './common/version.js';

export const SLICE = defineBuiltin({
  name: 'SLICE',
  options: optionsTable('SliceOptions'),
  version: first(
    [(s) => is(inp(s, 0), 'UINT32'), 6],
    [(s) => rank(inp(s, 0)) > 4, 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => is(inp(s, 0), 'STRING'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
});
