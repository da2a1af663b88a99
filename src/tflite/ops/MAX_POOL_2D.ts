import type { IntegerKernel } from '../../runtime/integer/types.js';
import { poolKernel, poolSetup } from '../../runtime/integer/kernels/common/pool.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { POOL_2D_OPTIONS } from './common/options.js';
import { int16PoolLike } from './common/version.js';

/** The largest int8 in each window (padding never wins), then the fused activation's clamp. */
const kernel: IntegerKernel = {
  opType: 'MAX_POOL_2D',
  prepare(cx) {
    const { shape, finish } = poolSetup(cx);
    const { W, C } = shape;
    const best = new Int32Array(C);
    return poolKernel(shape, (x, base, h0, h1, w0, w1, y, out) => {
      best.fill(-128);
      for (let h = h0; h < h1; h++) {
        for (let w = w0; w < w1; w++) {
          const o = base + (h * W + w) * C;
          for (let c = 0; c < C; c++) if (x[o + c]! > best[c]!) best[c] = x[o + c]!;
        }
      }
      for (let c = 0; c < C; c++) y[out + c] = finish[best[c]! + 128]!;
    });
  },
};

export const MAX_POOL_2D = defineBuiltin({
  name: 'MAX_POOL_2D',
  positivelyHomogeneous: true,
  floorShift: 'exact',
  options: POOL_2D_OPTIONS,
  version: int16PoolLike,
  int8: sameAsInput,
  kernel,
});
