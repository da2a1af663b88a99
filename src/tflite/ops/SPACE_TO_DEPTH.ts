import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** Moves block_size x block_size patches of space into channels (NHWC); int8 keeps the input's parameters. */
export const SPACE_TO_DEPTH = defineBuiltin({
  name: 'SPACE_TO_DEPTH',
  options: optionsTable('SpaceToDepthOptions', [field('block_size', 'int')]),
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: sameAsInput,
  keepsExtremes: true,
});
