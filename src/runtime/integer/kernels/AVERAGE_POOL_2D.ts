import { divideRound } from '../fixed-point.js';
import type { IntegerKernel } from '../types.js';
import { exponentOf } from './common/binary.js';
import { poolKernel, poolSetup } from './common/pool.js';

/**
 * Mean over the in-bounds part of each window. affine (TFLite reference): the sum of the raw int8 values
 * divided by the count, rounded half away from zero. pow2: Σ(q - z_x) 2^(e_x - e_y) / count with the
 * scheme's rounding.
 */
export const AVERAGE_POOL_2D: IntegerKernel = {
  opType: 'AVERAGE_POOL_2D',
  prepare(cx) {
    const { shape, finish, clampOnly, x, y } = poolSetup(cx);
    const { W, C } = shape;
    const acc = new Int32Array(C);
    const pow2 = cx.arith.scheme === 'pow2';
    const shift = pow2 ? exponentOf(cx, x, 'input') - exponentOf(cx, y, 'output') : 0;
    const rounding = cx.arith.rounding;
    return poolKernel(shape, (src, base, h0, h1, w0, w1, dst, out) => {
      acc.fill(0);
      for (let h = h0; h < h1; h++) {
        for (let w = w0; w < w1; w++) {
          const o = base + (h * W + w) * C;
          for (let c = 0; c < C; c++) acc[c] = acc[c]! + src[o + c]!;
        }
      }
      const count = (h1 - h0) * (w1 - w0);
      const half = count >> 1;
      for (let c = 0; c < C; c++) {
        let v: number;
        if (pow2) {
          const sum = acc[c]! - count * x.zeroPoint;
          v =
            shift >= 0
              ? divideRound(sum * 2 ** shift, count, rounding)
              : divideRound(sum, count * 2 ** -shift, rounding);
          v += y.zeroPoint;
          dst[out + c] = clampOnly[Math.min(127, Math.max(-128, v)) + 128]!;
        } else {
          const s = acc[c]!;
          v = Math.trunc(s > 0 ? (s + half) / count : (s - half) / count);
          dst[out + c] = finish[Math.min(127, Math.max(-128, v)) + 128]!;
        }
      }
    });
  },
};
