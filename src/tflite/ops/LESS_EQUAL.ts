import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise x <= y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const LESS_EQUAL = defineBuiltin({
  name: 'LESS_EQUAL',
  options: optionsTable('LessEqualOptions'),
  version: always1,
});
