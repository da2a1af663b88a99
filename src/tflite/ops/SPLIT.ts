import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

export const SPLIT = defineBuiltin({
  name: 'SPLIT',
  options: optionsTable('SplitOptions', [field('num_splits', 'int')]),
  // Input 0 is the axis; the data is input 1.
  version: first(
    [(s) => is(inp(s, 1), 'INT16'), 4],
    [(s) => is(inp(s, 1), 'INT32'), 3],
    [(s) => is(inp(s, 1), 'INT8'), 2],
  ),
  int8: { activations: () => [1], output: 'same-as-input' },
});
