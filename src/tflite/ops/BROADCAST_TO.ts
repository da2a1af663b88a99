import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { inp, is } from './common/version.js';

// Version 1 was never a builtin (BROADCAST_TO started as a custom op): LiteRT registers 2 and 3 (int16).

/** The input broadcast to the int32 shape of input 1 (ONNX Expand); int8 keeps the input's parameters. */
export const BROADCAST_TO = defineBuiltin({
  name: 'BROADCAST_TO',
  options: optionsTable('BroadcastToOptions'),
  version: (s) => (is(inp(s, 0), 'INT16') ? 3 : 2),
  int8: sameAsInput,
  keepsExtremes: true,
});
