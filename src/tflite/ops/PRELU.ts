import { defineBuiltin } from './common/builtin.js';
import { elementwise } from './common/int8.js';
import { always1 } from './common/version.js';

export const PRELU = defineBuiltin({
  name: 'PRELU',
  positivelyHomogeneous: true,
  options: null,
  version: always1,
  int8: elementwise,
});
