import { broadcastOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { binaryLowering } from '../convert/lowering/elementwise.js';

/** Max of two inputs -> MAXIMUM (TFLite int8 spec: inputs and output share parameters). */
const tflite = binaryLowering('MAXIMUM', true, false);

export default {
  ...broadcastOp('Max', (xs) => Math.max(...xs)),
  tflite,
  nonNegative: 'if-all-inputs',
} satisfies OpDescriptor;
