import { unaryOp } from './common/elementwise.js';
import type { OpDescriptor } from './types.js';
import { unaryLowering } from '../convert/lowering/elementwise.js';

/** Exp -> EXP. */
const tflite = unaryLowering('EXP');

export default { ...unaryOp('Exp', () => Math.exp, { floatOnly: true }), tflite } satisfies OpDescriptor;
