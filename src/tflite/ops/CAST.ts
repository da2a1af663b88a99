import { defineBuiltin } from './common/builtin.js';
import { field, optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Element type conversion; the options name both TensorTypes (bytes). */
export const CAST = defineBuiltin({
  name: 'CAST',
  options: optionsTable('CastOptions', [field('in_data_type', 'byte'), field('out_data_type', 'byte')]),
  version: always1,
});
