import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Runs a kept initialization subgraph once (resource variables); it has no outputs and stays float. */
export const CALL_ONCE = defineBuiltin({
  name: 'CALL_ONCE',
  options: optionsTable('CallOnceOptions', [field('init_subgraph_index', 'int')]),
  version: always1,
  subgraphFields: ['init_subgraph_index'],
});
