import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** The index of the largest element along the axis of input 1 (the axis dropped); output_type INT32/INT64. */
export const ARG_MAX = defineBuiltin({
  name: 'ARG_MAX',
  options: optionsTable('ArgMaxOptions', [field('output_type', 'byte')]),
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
});
