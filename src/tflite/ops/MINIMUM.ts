import { binaryKernel } from './common/binary.js';
import { pickPair } from './common/min-max.js';

export const MINIMUM = binaryKernel({
  opType: 'MINIMUM',
  int8: (cx, p) => pickPair(cx, p, Math.min),
  float32: Math.min,
});
