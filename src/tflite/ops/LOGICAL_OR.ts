import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise or of two bool tensors with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
export const LOGICAL_OR = defineBuiltin({
  name: 'LOGICAL_OR',
  options: optionsTable('LogicalOrOptions'),
  version: always1,
});
