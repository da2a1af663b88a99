import { unaryOp } from './common/elementwise.js';

/** Abramowitz-Stegun 7.1.26 is too coarse for folding; this series is exact to float32 precision. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let sum = ax;
  let term = ax;
  for (let n = 1; n < 200; n++) {
    term *= (-ax * ax) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (Math.sign(x) * 2 * sum) / Math.sqrt(Math.PI);
}

export default unaryOp('Erf', () => erf, { floatOnly: true });
