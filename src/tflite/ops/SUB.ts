import { addSubPair } from './common/add-sub.js';
import { binaryKernel } from './common/binary.js';

export const SUB = binaryKernel({
  opType: 'SUB',
  int8: (cx, p) => addSubPair(cx, p, -1),
  float32: (a, b) => a - b,
});
