import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../../runtime/integer/types.js';
import {
  ACT,
  activationRange,
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
  sizeOf,
} from '../../runtime/integer/kernels/common/params.js';
import { channelRescale } from '../../runtime/integer/kernels/common/rescale.js';
import { defineBuiltin } from './common/builtin.js';
import { elementwise } from './common/int8.js';
import { asymmetricQuantizeInputs, field, optionsTable } from './common/options.js';
import { first, hybrid, inp, is, opt } from './common/version.js';

/**
 * x [..., M, K] * y [..., K, N] -> [..., M, N] (adj_x / adj_y: the operand is stored transposed), batch
 * axes broadcast NumPy-style; both operands are activations (the attention products of PP-OCRv4 rec).
 * int8: acc = Σ (a - z_a)(b - z_b) in int32 as TFLite's reference BatchMatMul, then the conv/FC output
 * stage (rescale.ts) with the per-tensor scale s_a s_b / s_out: pow2's shift, TFLite's fixed-point
 * multiplier ('reference'). 'litert': LiteRT hands the op to XNNPACK (float32 scale, ties to even) when
 * y's zero point is 0, and runs TFLite's kernel (the fixed-point multiplier) otherwise; measured on
 * one-op files: with pow2 scales, where ties are frequent, LiteRT agrees with ties-to-even on every
 * element of rec-shaped products ([1, 8, 40, 15] x [1, 8, 15, 40], with and without adj_x, adj_y and a
 * broadcast batch), the fixed-point multiplier missing 0.3-0.5%; with y's zero point -7 it agrees with
 * the fixed-point multiplier (180 of 180) and not with the float32 scale (179).
 */
const kernel: IntegerKernel = {
  opType: 'BATCH_MATMUL',
  prepare(cx: KernelContext) {
    const a = requireDtype(cx, 0, 'int8');
    const b = requireDtype(cx, 1, 'int8');
    if (a.shape.length < 2 || b.shape.length < 2)
      throw new KernelError(cx, `operands must be at least 2-D, got [${a.shape}] and [${b.shape}]`);
    const adjX = attrInt(cx.node, 'adj_x', 0) !== 0;
    const adjY = attrInt(cx.node, 'adj_y', 0) !== 0;
    const [ar, ac] = a.shape.slice(-2) as [number, number];
    const [br, bc] = b.shape.slice(-2) as [number, number];
    const [M, K] = adjX ? [ac, ar] : [ar, ac];
    const [K2, N] = adjY ? [bc, br] : [br, bc];
    if (K !== K2) throw new KernelError(cx, `inner sizes differ: [${a.shape}] x [${b.shape}]`);
    // Batch axes, right-aligned and broadcast.
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    const rank = Math.max(aBatch.length, bBatch.length);
    const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
    const [pa, pb] = [pad(aBatch), pad(bBatch)];
    const batch = pa.map((d, i) => {
      const e = pb[i]!;
      if (d !== e && d !== 1 && e !== 1)
        throw new KernelError(cx, `batch axes [${aBatch}] and [${bBatch}] do not broadcast`);
      return Math.max(d, e);
    });
    const batches = sizeOf(batch);
    const aOffsets = new Int32Array(batches);
    const bOffsets = new Int32Array(batches);
    const index = new Array<number>(rank).fill(0);
    for (let n = 0; n < batches; n++) {
      let ia = 0;
      let ib = 0;
      for (let d = 0; d < rank; d++) {
        ia = ia * pa[d]! + (pa[d] === 1 ? 0 : index[d]!);
        ib = ib * pb[d]! + (pb[d] === 1 ? 0 : index[d]!);
      }
      aOffsets[n] = ia * M * K;
      bOffsets[n] = ib * K * N;
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d]! < batch[d]!) break;
        index[d] = 0;
      }
    }
    const aq = inputParams(cx, 0);
    const bq = inputParams(cx, 1);
    const yq = outputParams(cx, 0);
    // The zero points are taken off in the products below; the output stage sees symmetric operands.
    const arith =
      cx.arith.affineKernels === 'litert' && bq.zeroPoint !== 0
        ? { ...cx.arith, affineKernels: 'reference' as const }
        : cx.arith;
    const rescale = channelRescale(
      { ...cx, arith, arena: () => undefined },
      {
        input: { scale: aq.scale, zeroPoint: 0 },
        weightScales: new Array<number>(N).fill(bq.scale),
        output: yq,
        weightSums: new Int32Array(N),
        range: activationRange(cx, ACT.NONE, yq),
        rows: M,
      },
    );
    // Row i of x and column j of y, each contiguous, zero points taken off.
    const rows = new Int32Array(M * K);
    const cols = new Int32Array(N * K);
    const acc = new Int32Array(M * N);
    return {
      outputs: [{ dtype: 'int8', shape: [...batch, M, N] }],
      run([x, y], [output]) {
        const xs = x as Int8Array;
        const ys = y as Int8Array;
        const out = output as Int8Array;
        for (let n = 0; n < batches; n++) {
          const oa = aOffsets[n]!;
          const ob = bOffsets[n]!;
          for (let i = 0; i < M; i++)
            for (let k = 0; k < K; k++)
              rows[i * K + k] = xs[oa + (adjX ? k * M + i : i * K + k)]! - aq.zeroPoint;
          for (let j = 0; j < N; j++)
            for (let k = 0; k < K; k++)
              cols[j * K + k] = ys[ob + (adjY ? j * K + k : k * N + j)]! - bq.zeroPoint;
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              let t = 0;
              for (let k = 0, r = i * K, c = j * K; k < K; k++) t += rows[r + k]! * cols[c + k]!;
              acc[i * N + j] = t;
            }
          }
          rescale.rows(acc, M, out.subarray(n * M * N, (n + 1) * M * N), N);
        }
      },
    };
  },
};

export const BATCH_MATMUL = defineBuiltin({
  name: 'BATCH_MATMUL',
  options: optionsTable('BatchMatMulOptions', [
    field('adj_x', 'bool'),
    field('adj_y', 'bool'),
    asymmetricQuantizeInputs,
  ]),
  version: first(
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
    [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 4],
  ),
  int8: elementwise,
  kernel,
});
