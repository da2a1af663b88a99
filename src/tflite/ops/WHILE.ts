import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** A loop over two kept subgraphs (cond, body); it stays float, its subgraphs are written back as read. */
export const WHILE = defineBuiltin({
  name: 'WHILE',
  options: optionsTable('WhileOptions', [
    field('cond_subgraph_index', 'int'),
    field('body_subgraph_index', 'int'),
  ]),
  version: always1,
  subgraphFields: ['cond_subgraph_index', 'body_subgraph_index'],
});
