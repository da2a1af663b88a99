import { defineBuiltin } from './common/builtin.js';
import { always1 } from './common/version.js';

/** Natural logarithm; read and written, kept float (the project has no int8 rule for it). */
export const LOG = defineBuiltin({
  name: 'LOG',
  options: null,
  version: always1,
});
