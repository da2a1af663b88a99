import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** A branch between two kept subgraphs; it stays float, its subgraphs are written back as read. */
export const IF = defineBuiltin({
  name: 'IF',
  options: optionsTable('IfOptions', [
    field('then_subgraph_index', 'int'),
    field('else_subgraph_index', 'int'),
  ]),
  version: always1,
  subgraphFields: ['then_subgraph_index', 'else_subgraph_index'],
});
