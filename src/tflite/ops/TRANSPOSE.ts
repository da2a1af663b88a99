import type { IntegerKernel } from '../../runtime/integer/types.js';
import { constantInts, KernelError } from '../../runtime/integer/kernels/common/params.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is, rank } from './common/version.js';

/** y[i0..] = x[permuted index], walking y in order with the input offset stepped per axis. */
const kernel: IntegerKernel = {
  opType: 'TRANSPOSE',
  prepare(cx) {
    const x = cx.inputs[0]!;
    const rank = x.shape.length;
    const perm = constantInts(cx, 1, 'perm');
    if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i))
      throw new KernelError(cx, `perm [${perm}] is not a permutation of ${rank} axes`);
    const inStride = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) inStride[i] = inStride[i + 1]! * x.shape[i + 1]!;
    const shape = perm.map((p) => x.shape[p]!);
    const step = perm.map((p) => inStride[p]!);
    return {
      outputs: [{ dtype: x.dtype, shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        if (rank === 0) {
          dst[0] = src[0]!;
          return;
        }
        const inner = shape[rank - 1]!;
        const innerStep = step[rank - 1]!;
        const index = new Array<number>(rank).fill(0);
        let from = 0;
        for (let o = 0; o < dst.length; o += inner) {
          for (let j = 0, f = from; j < inner; j++, f += innerStep) dst[o + j] = src[f]!;
          for (let d = rank - 2; d >= 0; d--) {
            index[d]!++;
            from += step[d]!;
            if (index[d]! < shape[d]!) break;
            from -= step[d]! * index[d]!;
            index[d] = 0;
          }
        }
      },
    };
  },
};

export const TRANSPOSE = defineBuiltin({
  name: 'TRANSPOSE',
  options: optionsTable('TransposeOptions'),
  version: first(
    [(s) => is(inp(s, 0), 'INT4'), 7],
    [(s) => rank(inp(s, 0)) > 5, 6],
    [(s) => is(inp(s, 0), 'INT16'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
  keepsExtremes: true,
  kernel,
});
