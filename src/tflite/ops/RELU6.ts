import { activationRange, ACT } from './common/params.js';
import { reluRescale } from './common/requantize.js';
import { unaryKernel } from './common/unary.js';

/** Requantize to the output's parameters, clamp to [q(0), q(6)] (TFLite QuantizedReluX). */
export const RELU6 = unaryKernel('RELU6', (cx, x, y) => {
  const f = reluRescale(cx, x, y);
  const [lo, hi] = activationRange(cx, ACT.RELU6, y);
  return (q) => Math.min(hi, Math.max(lo, f(q)));
});
