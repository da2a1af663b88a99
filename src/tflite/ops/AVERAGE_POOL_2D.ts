import { pow2Averager } from '../../runtime/integer/fixed-point.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import { poolKernel, poolSetup } from '../../runtime/integer/kernels/common/pool.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { POOL_2D_OPTIONS } from './common/options.js';
import { int16PoolLike } from './common/version.js';

/**
 * Mean over the in-bounds part of each window (count = taps inside the input). affine (TFLite reference,
 * which LiteRT runs): the sum of the stored int8 values divided by the count, rounded half away from zero.
 * pow2: Σ(q - z_x) (s_x / s_y) / count with the scheme's rounding (`pow2Averager`).
 */
const kernel: IntegerKernel = {
  opType: 'AVERAGE_POOL_2D',
  prepare(cx) {
    const { shape, finish, clampOnly, x, y } = poolSetup(cx);
    const { W, C, kH, kW } = shape;
    const acc = new Int32Array(C);
    const pow2 = cx.arith.scheme === 'pow2';
    const averagers = Array.from({ length: kH * kW + 1 }, (_, n) =>
      pow2 && n > 0 ? pow2Averager(x.scale / y.scale, n, cx.arith.rounding) : undefined,
    );
    return poolKernel(shape, (src, base, h0, h1, w0, w1, dst, out) => {
      acc.fill(0);
      for (let h = h0; h < h1; h++) {
        for (let w = w0; w < w1; w++) {
          const o = base + (h * W + w) * C;
          for (let c = 0; c < C; c++) acc[c] = acc[c]! + src[o + c]!;
        }
      }
      const count = (h1 - h0) * (w1 - w0);
      const average = averagers[count];
      if (average) {
        for (let c = 0; c < C; c++) {
          const v = average(acc[c]! - count * x.zeroPoint) + y.zeroPoint;
          dst[out + c] = clampOnly[(v < -128 ? -128 : v > 127 ? 127 : v) + 128]!;
        }
        return;
      }
      const half = count >> 1;
      for (let c = 0; c < C; c++) {
        const s = acc[c]!;
        const v = Math.trunc(s > 0 ? (s + half) / count : (s - half) / count);
        dst[out + c] = finish[v + 128]!;
      }
    });
  },
};

export const AVERAGE_POOL_2D = defineBuiltin({
  name: 'AVERAGE_POOL_2D',
  positivelyHomogeneous: true,
  options: POOL_2D_OPTIONS,
  version: int16PoolLike,
  int8: sameAsInput,
  kernel,
});
