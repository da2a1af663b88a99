import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** Elementwise not of a bool tensor. */
export const LOGICAL_NOT = defineBuiltin({
  name: 'LOGICAL_NOT',
  options: optionsTable('LogicalNotOptions'),
  version: always1,
});
