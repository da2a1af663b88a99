import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** The input repeated along each axis by the int32 multiples of input 1; int8 keeps the input's parameters. */
export const TILE = defineBuiltin({
  name: 'TILE',
  options: optionsTable('TileOptions'),
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: sameAsInput,
  keepsExtremes: true,
});
