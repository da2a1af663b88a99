import { defineBuiltin } from './common/builtin.js';
import { REDUCER_OPTIONS } from './common/options.js';
import { always1 } from './common/version.js';

/** Product over the axes of input 1; written float (a product of int8 values has no calibrated scale of its own). */
export const REDUCE_PROD = defineBuiltin({
  name: 'REDUCE_PROD',
  options: REDUCER_OPTIONS,
  version: always1,
});
