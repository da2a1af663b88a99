import { activationRange, ACT } from './common/params.js';
import { reluRescale } from './common/requantize.js';
import { unaryKernel } from './common/unary.js';

/** Requantize to the output's parameters, clamp to [q(0), 127] (TFLite QuantizedReluX). */
export const RELU = unaryKernel('RELU', (cx, x, y) => {
  const f = reluRescale(cx, x, y);
  const [lo, hi] = activationRange(cx, ACT.RELU, y);
  return (q) => Math.min(hi, Math.max(lo, f(q)));
});
