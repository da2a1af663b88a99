import type { IntegerKernel } from '../../runtime/integer/types.js';
import {
  constantInts,
  KernelError,
  outputParams,
  sizeOf,
} from '../../runtime/integer/kernels/common/params.js';
import { copyRun } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { first, inp, is, rank } from './common/version.js';

/**
 * Pads with the real value 0, i.e. the output's zero point for int8 (TFLite quantized PAD). The input is
 * copied as runs: the trailing axes without padding, and the last padded one, are contiguous in both
 * tensors (a row of pixels in a spatial pad).
 */
const kernel: IntegerKernel = {
  opType: 'PAD',
  prepare(cx) {
    const x = cx.inputs[0]!;
    const rank = x.shape.length;
    const pads = constantInts(cx, 1, 'paddings');
    if (pads.length !== 2 * rank || pads.some((p) => p < 0))
      throw new KernelError(cx, `paddings [${pads}] do not fit rank ${rank} (non-negative [rank, 2])`);
    const before = Array.from({ length: rank }, (_, i) => pads[2 * i]!);
    const shape = x.shape.map((d, i) => d + before[i]! + pads[2 * i + 1]!);
    const fill = x.dtype === 'int8' ? outputParams(cx, 0, 0).zeroPoint : 0;
    // Axes [inner, rank) carry no padding: one block each; the axes before are walked.
    let inner = rank;
    while (inner > 0 && pads[2 * (inner - 1)] === 0 && pads[2 * (inner - 1) + 1] === 0) inner--;
    if (inner === 0) inner = 1;
    // The blocks along axis inner - 1 are adjacent in the output too: one run each, from `start` on.
    inner--;
    const block = sizeOf(x.shape.slice(inner));
    const outStride = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
    const start = before[inner]! * outStride[inner]!;
    const outer = x.shape.slice(0, inner);
    const blocks = sizeOf(outer);
    const offsets = new Int32Array(blocks);
    const index = new Array<number>(inner).fill(0);
    for (let r = 0; r < blocks; r++) {
      let to = 0;
      for (let d = 0; d < inner; d++) to += (index[d]! + before[d]!) * outStride[d]!;
      offsets[r] = to;
      for (let d = inner - 1; d >= 0; d--) {
        if (++index[d]! < outer[d]!) break;
        index[d] = 0;
      }
    }
    return {
      outputs: [{ dtype: x.dtype, shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        dst.fill(fill);
        for (let r = 0; r < blocks; r++) copyRun(dst, offsets[r]! + start, src, r * block, block);
      },
    };
  },
};

export const PAD = defineBuiltin({
  name: 'PAD',
  floorShift: 'exact',
  options: optionsTable('PadOptions'),
  version: first(
    [(s) => is(inp(s, 0), 'BOOL'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
  kernel,
});
