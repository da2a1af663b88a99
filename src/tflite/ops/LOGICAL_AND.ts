import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise and of two bool tensors with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const LOGICAL_AND = defineBuiltin({
  name: 'LOGICAL_AND',
  options: optionsTable('LogicalAndOptions'),
  version: always1,
});
