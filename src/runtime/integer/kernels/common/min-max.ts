import type { KernelContext } from '../../types.js';
import type { BinaryParams, PairFunction } from './binary.js';
import { requantizeFunction } from './requantize.js';

/**
 * MINIMUM/MAXIMUM on int8: TFLite compares the stored values, its inputs sharing the output's parameters;
 * inputs with other parameters are first requantized to the output's (identity when they share them).
 */
export function pickPair(
  cx: KernelContext,
  p: BinaryParams,
  pick: (a: number, b: number) => number,
): PairFunction {
  const ra = requantizeFunction(cx, p.a, p.out);
  const rb = requantizeFunction(cx, p.b, p.out);
  return (qa, qb) => pick(ra(qa), rb(qb));
}
