import { squashing } from './common/families.js';
import { UNIT_INTERVAL_OUTPUT } from './common/int8.js';
import { int16PoolLike } from './common/version.js';

const f = Math.fround;

/** TFLite int8 spec: output scale 1/256, zero point -128. */
export const LOGISTIC = squashing(
  'LOGISTIC',
  UNIT_INTERVAL_OUTPUT,
  (v) => 1 / (1 + Math.exp(-v)),
  (v) => f(1 / f(1 + f(Math.exp(-v)))),
  int16PoolLike,
);
