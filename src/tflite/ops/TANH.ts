import { realFunctionEntry } from './common/transcendental.js';
import { unaryKernel } from './common/unary.js';

/** TFLite int8 spec: TANH output is scale 1/128, zero point 0 (the file's parameters are used). */
export const TANH = unaryKernel('TANH', (cx, x, y) =>
  realFunctionEntry(cx, x, y, Math.tanh, (v) => Math.fround(Math.tanh(v))),
);
