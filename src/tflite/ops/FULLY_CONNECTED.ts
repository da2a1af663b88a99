import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../../runtime/integer/types.js';
import {
  MAX_PACKED_TERMS,
  packedDots,
  packPairs,
  plainDots,
  type DotLayout,
} from '../../runtime/integer/kernels/common/packed.js';
import {
  inputParams,
  KernelError,
  outputParams,
  weightedOperands,
  sizeOf,
} from '../../runtime/integer/kernels/common/params.js';
import { Int8Gemm } from '../../runtime/integer/kernels/common/gemm.js';
import { weightedRescale } from '../../runtime/integer/kernels/common/rescale.js';
import { defineBuiltin, weightedChannels } from './common/builtin.js';
import { weighted } from './common/int8.js';
import {
  activation,
  asymmetricQuantizeInputs,
  field,
  optionsTable,
  quantizedBiasType,
} from './common/options.js';
import { first, hybrid, inp, io, opt } from './common/version.js';

/**
 * x [..., IC] (rows of IC) * w [OC, IC]^T + bias -> [rows, OC], or [..., OC] with keep_num_dims; the
 * WebAssembly int8 GEMM, or JS loops (packed.ts) without WebAssembly SIMD.
 */
const kernel: IntegerKernel = {
  opType: 'FULLY_CONNECTED',
  prepare(cx: KernelContext) {
    const { x, w, b } = weightedOperands(cx);
    if (w.shape.length !== 2) throw new KernelError(cx, `weights must be 2-D, got [${w.shape}]`);
    const [OC, IC] = w.shape as [number, number];
    const total = sizeOf(x.shape);
    if (total % IC !== 0) throw new KernelError(cx, `input [${x.shape}] is not rows of ${IC}`);
    const rows = total / IC;
    const keep = attrInt(cx.node, 'keep_num_dims', 0) !== 0;
    const shape = keep ? [...x.shape.slice(0, -1), OC] : [rows, OC];
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const weights = w.data as Int8Array;
    const sums = new Int32Array(OC);
    for (let oc = 0; oc < OC; oc++) for (let i = 0; i < IC; i++) sums[oc]! += weights[oc * IC + i]!;
    const arena = cx.arena();
    const gemm = arena && new Int8Gemm(arena, weights, OC, IC, rows);
    const rescale = weightedRescale(cx, xq, w, b, yq, sums, gemm?.tile ?? rows);
    if (gemm) {
      const direct = gemm.kp === IC;
      return {
        outputs: [{ dtype: 'int8', shape }],
        run([input], [output]) {
          const src = input as Int8Array;
          for (let r0 = 0; r0 < rows; r0 += gemm.tile) {
            const count = Math.min(gemm.tile, rows - r0);
            const a = gemm.input();
            if (direct) a.set(src.subarray(r0 * IC, (r0 + count) * IC));
            else
              for (let r = 0; r < count; r++)
                for (let i = 0; i < IC; i++) a[r * gemm.kp + i] = src[(r0 + r) * IC + i]!;
            gemm.run(count);
            const out = (output as Int8Array).subarray(r0 * OC, (r0 + count) * OC);
            if (rescale.native) rescale.native(gemm.outputOffset, count, out, gemm.n);
            else rescale.rows(gemm.output(), count, out, gemm.n);
          }
        },
      };
    }
    const packed = IC <= MAX_PACKED_TERMS ? packPairs(weights, OC, IC) : undefined;
    const layout: DotLayout = {
      bases: Int32Array.from({ length: rows }, (_, r) => r * IC),
      taps: Int32Array.of(0),
      run: IC,
    };
    const xs = new Float64Array(total);
    const acc = new Int32Array(rows * OC);
    return {
      outputs: [{ dtype: 'int8', shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        for (let i = 0; i < total; i++) xs[i] = src[i]!;
        if (packed) packedDots(xs, layout, packed, OC, acc, OC, 0);
        else plainDots(xs, layout, weights, OC, acc, OC, 0);
        rescale.rows(acc, rows, output as Int8Array, OC);
      },
    };
  },
};

export const FULLY_CONNECTED = defineBuiltin({
  name: 'FULLY_CONNECTED',
  // Weights [O, I].
  weightChannels: weightedChannels(0, 1),
  floorShift: 'biased',
  options: optionsTable('FullyConnectedOptions', [
    activation,
    field('weights_format', 'byte'),
    field('keep_num_dims', 'bool'),
    asymmetricQuantizeInputs,
    quantizedBiasType,
  ]),
  version: first(
    [(s) => io(s, 'INT16', 'INT4', 'INT16'), 13],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 12],
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 11],
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 7],
    [(s) => s.inputs.length === 2, 6],
    [(s) => !!opt(s, 'keep_num_dims'), 5],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 4],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 10],
    [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 9],
    [hybrid, 3],
    [(s) => opt(s, 'weights_format') === 1, 2],
  ),
  // Weights are [out, in]: per-axis dim 0.
  int8: weighted(0),
  kernel,
});
