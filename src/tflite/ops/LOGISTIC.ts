import { realFunctionEntry } from './common/transcendental.js';
import { unaryKernel } from './common/unary.js';

const f = Math.fround;

/** TFLite int8 spec: LOGISTIC output is scale 1/256, zero point -128 (the file's parameters are used). */
export const LOGISTIC = unaryKernel('LOGISTIC', (cx, x, y) =>
  realFunctionEntry(
    cx,
    x,
    y,
    (v) => 1 / (1 + Math.exp(-v)),
    (v) => f(1 / f(1 + f(Math.exp(-v)))),
  ),
);
