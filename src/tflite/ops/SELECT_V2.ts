import { defineBuiltin } from './common/builtin.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

/** condition ? x : y with broadcasting (ONNX Where). Written float here (Where has no quantizer rule). */
export const SELECT_V2 = defineBuiltin({
  name: 'SELECT_V2',
  options: optionsTable('SelectV2Options'),
  version: always1,
});
