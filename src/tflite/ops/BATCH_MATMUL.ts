import { defineBuiltin } from './common/builtin.js';
import { elementwise } from './common/int8.js';
import { asymmetricQuantizeInputs, field, optionsTable } from './common/options.js';
import { first, hybrid, inp, is, opt } from './common/version.js';

export const BATCH_MATMUL = defineBuiltin({
  name: 'BATCH_MATMUL',
  options: optionsTable('BatchMatMulOptions', [
    field('adj_x', 'bool'),
    field('adj_y', 'bool'),
    asymmetricQuantizeInputs,
  ]),
  version: first(
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
    [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 4],
  ),
  int8: elementwise,
});
