import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise equality with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const EQUAL = defineBuiltin({
  name: 'EQUAL',
  options: optionsTable('EqualOptions'),
  version: always1,
});
