import { addSubPair } from './common/add-sub.js';
import { binaryKernel } from './common/binary.js';

export const SUB = binaryKernel('SUB', (cx, p) => addSubPair(cx, p, -1));
