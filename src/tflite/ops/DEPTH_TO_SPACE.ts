import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/** Moves block_size x block_size groups of channels into space (NHWC, DCR order); int8 keeps the input's parameters. */
export const DEPTH_TO_SPACE = defineBuiltin({
  name: 'DEPTH_TO_SPACE',
  options: optionsTable('DepthToSpaceOptions', [field('block_size', 'int')]),
  version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
  int8: sameAsInput,
  keepsExtremes: true,
});
