import { addSubPair } from './common/add-sub.js';
import { binaryKernel } from './common/binary.js';

export const ADD = binaryKernel('ADD', (cx, p) => addSubPair(cx, p, 1));
