import { defineBuiltin } from './common/builtin.js';
import { always1 } from './common/version.js';

export const CUSTOM = defineBuiltin({
  name: 'CUSTOM',
  // A custom op's options are its own flexbuffer, not a BuiltinOptions table; it never runs int8 here.
  options: null,
  version: always1,
});
