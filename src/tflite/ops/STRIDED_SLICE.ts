import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is, opt, rank } from './common/version.js';

export const STRIDED_SLICE = defineBuiltin({
  name: 'STRIDED_SLICE',
  options: optionsTable('StridedSliceOptions', [
    field('begin_mask', 'int'),
    field('end_mask', 'int'),
    field('ellipsis_mask', 'int'),
    field('new_axis_mask', 'int'),
    field('shrink_axis_mask', 'int'),
    field('offset', 'bool'),
  ]),
  version: first(
    [(s) => opt(s, 'offset') === true, 8],
    [(s) => is(inp(s, 0), 'UINT32'), 7],
    [(s) => !!opt(s, 'ellipsis_mask') || !!opt(s, 'new_axis_mask'), 6],
    [(s) => is(inp(s, 0), 'STRING'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
});
