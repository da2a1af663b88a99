import { squashing } from './common/families.js';
import { SIGNED_UNIT_OUTPUT } from './common/int8.js';
import { int16PoolLike } from './common/version.js';

/** TFLite int8 spec: output scale 1/128, zero point 0. */
export const TANH = squashing(
  'TANH',
  SIGNED_UNIT_OUTPUT,
  Math.tanh,
  (v) => Math.fround(Math.tanh(v)),
  int16PoolLike,
);
