import { binaryKernel } from './common/binary.js';
import { pickPair } from './common/min-max.js';

export const MAXIMUM = binaryKernel({
  opType: 'MAXIMUM',
  int8: (cx, p) => pickPair(cx, p, Math.max),
  float32: Math.max,
});
