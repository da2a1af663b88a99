import { attrFloat } from '../../ir/attrs.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import {
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
} from '../../runtime/integer/kernels/common/params.js';
import { defineBuiltin } from './common/builtin.js';
import { fixedOutput, UNIT_INTERVAL_OUTPUT } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { int16Int8 } from './common/version.js';

/** Fraction bits of the exp table: e^(-beta s d) as an integer out of 2^24. */
const EXP_BITS = 24;

/**
 * Softmax over the last axis in integers: d = max - q (0..255) indexes a table of e^(-beta s_x d) in
 * Q24, the row's sum is an integer, and each output is E 256 / sum rounded half up, + z_y (TFLite int8
 * spec: output 1/256, -128). Every product stays below 2^53, so double arithmetic is exact.
 */
const kernel: IntegerKernel = {
  opType: 'SOFTMAX',
  prepare(cx) {
    const x = requireDtype(cx, 0, 'int8');
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const beta = Math.fround(attrFloat(cx.node, 'beta', 1));
    const levels = 1 / yq.scale;
    if (!Number.isInteger(levels))
      throw new KernelError(cx, `output scale ${yq.scale} is not 1/n (spec: 1/256)`);
    const table = new Float64Array(256);
    for (let d = 0; d < 256; d++) table[d] = Math.round(Math.exp(-beta * xq.scale * d) * 2 ** EXP_BITS);
    const depth = x.shape.at(-1) ?? 1;
    return {
      outputs: [{ dtype: 'int8', shape: [...x.shape] }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        for (let row = 0; row < src.length; row += depth) {
          let max = -128;
          for (let j = 0; j < depth; j++) if (src[row + j]! > max) max = src[row + j]!;
          let sum = 0;
          for (let j = 0; j < depth; j++) sum += table[max - src[row + j]!]!;
          for (let j = 0; j < depth; j++) {
            const e = table[max - src[row + j]!]!;
            const v = Math.floor((2 * e * levels + sum) / (2 * sum)) + yq.zeroPoint;
            dst[row + j] = v < -128 ? -128 : v > 127 ? 127 : v;
          }
        }
      },
    };
  },
};

export const SOFTMAX = defineBuiltin({
  name: 'SOFTMAX',
  options: optionsTable('SoftmaxOptions', [field('beta', 'float')]),
  version: int16Int8,
  // TFLite int8 spec: output scale 1/256, zero point -128.
  int8: fixedOutput(UNIT_INTERVAL_OUTPUT),
  keepsExtremes: true,
  kernel,
});
