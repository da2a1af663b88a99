import { broadcastOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Min of two inputs -> MINIMUM (TFLite int8 spec: inputs and output share parameters). */
const tflite = binaryLowering('MINIMUM', true, false);

export default { ...broadcastOp('Min', (xs) => Math.min(...xs)), tflite } satisfies OpDescriptor;
