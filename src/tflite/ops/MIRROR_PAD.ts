import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { int16Int8 } from './common/version.js';

/**
 * Pads by mirroring the input at its edges: mode REFLECT (0) leaves the edge value out, as ONNX Pad's
 * 'reflect' does; SYMMETRIC (1) repeats it. It only moves values, so int8 shares its input's parameters.
 */
export const MIRROR_PAD = defineBuiltin({
  name: 'MIRROR_PAD',
  floorShift: 'exact',
  options: optionsTable('MirrorPadOptions', [field('mode', 'byte')]),
  version: int16Int8,
  int8: sameAsInput,
  keepsExtremes: true,
});
