import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

export const EXP = defineBuiltin({
  name: 'EXP',
  options: optionsTable('ExpOptions'),
  version: first([(s) => is(inp(s, 0), 'INT8', 'INT16'), 2]),
  int8: calibrated,
});
