import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise inequality with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const NOT_EQUAL = defineBuiltin({
  name: 'NOT_EQUAL',
  options: optionsTable('NotEqualOptions'),
  version: always1,
});
