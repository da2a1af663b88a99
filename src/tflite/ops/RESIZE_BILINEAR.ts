import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { deprecated, field, optionsTable, resizeFlags } from './common/options.js';
import { first, inp, is, opt } from './common/version.js';

export const RESIZE_BILINEAR = defineBuiltin({
  name: 'RESIZE_BILINEAR',
  options: optionsTable('ResizeBilinearOptions', [
    deprecated(field('new_height', 'int')),
    deprecated(field('new_width', 'int')),
    ...resizeFlags,
  ]),
  version: first(
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => opt(s, 'half_pixel_centers') === true, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
});
