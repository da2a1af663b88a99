import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise x >= y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const GREATER_EQUAL = defineBuiltin({
  name: 'GREATER_EQUAL',
  options: optionsTable('GreaterEqualOptions'),
  version: always1,
});
