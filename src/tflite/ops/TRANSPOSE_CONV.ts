import type { IntegerKernel, KernelContext, PreparedKernel, ValueMeta } from '../../runtime/integer/types.js';
import {
  activationRange,
  channelScales,
  constantInts,
  fusedActivation,
  inputParams,
  KernelError,
  outputParams,
  weightedOperands,
} from '../../runtime/integer/kernels/common/params.js';
import { Int8Gemm } from '../../runtime/integer/kernels/common/gemm.js';
import { channelRescale, weightedRescale } from '../../runtime/integer/kernels/common/rescale.js';
import type { WasmArena } from '../../runtime/integer/wasm/arena.js';
import { windowAttrs, windowGeometry } from '../../runtime/integer/kernels/common/window.js';
import { defineBuiltin } from './common/builtin.js';
import { activation, optionsTable, padding, quantizedBiasType, strideH, strideW } from './common/options.js';
import { first, inp, io, is, opt } from './common/version.js';

/**
 * TFLite's TRANSPOSE_CONV: inputs output_shape [4] (constant), w [OC,KH,KW,IC], x [N,H,W,IC], bias [OC]
 * (optional). Each input pixel scatters into the output: y[iy*sh + kh - pad_top, ix*sw + kw - pad_left, oc]
 * += Σ_ic (x - z_x) w, the padding TFLite computes for the forward conv from the output's size back to
 * the input's. The input is centred before the sums (a pixel near the border receives fewer taps, so the
 * zero-point correction is per pixel, not per channel); then the scheme's rescale, as CONV_2D's.
 */
const kernel: IntegerKernel = {
  opType: 'TRANSPOSE_CONV',
  prepare(cx: KernelContext) {
    const shape = constantInts(cx, 0, 'output_shape');
    const { x, w, b } = weightedOperands(cx, { x: 2, w: 1, b: 3 });
    const [N, H, W, IC] = x.shape as [number, number, number, number];
    const [OC, KH, KW, WC] = w.shape as [number, number, number, number];
    if (x.shape.length !== 4 || w.shape.length !== 4 || WC !== IC)
      throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
    if (shape.length !== 4 || shape[0] !== N || shape[3] !== OC)
      throw new KernelError(
        cx,
        `output_shape [${shape}] does not fit input [${x.shape}], filter [${w.shape}]`,
      );
    const [OH, OW] = [shape[1]!, shape[2]!];
    const attrs = windowAttrs(cx, KH, KW);
    const { padTop, padLeft } = windowGeometry(OH, OW, attrs);
    const arena = cx.arena();
    const geometry = { strideH: attrs.strideH, strideW: attrs.strideW, padTop, padLeft };
    const dims: Dims = { H, W, IC, OH, OW, OC, KH, KW };
    const outputs = [{ dtype: 'int8' as const, shape: [N, OH, OW, OC] }];
    if (arena && tiles(dims, geometry)) return { outputs, run: tiledGemm(cx, arena, w, b, dims, N) };
    const xq = inputParams(cx, 2);
    const yq = outputParams(cx, 0);
    // centred input: no zero-point correction left to make (no weight sums needed)
    const centred = { scale: xq.scale, zeroPoint: 0 };
    const rescale = weightedRescale(cx, centred, w, b, yq, new Int32Array(OC), OH * OW);
    const src = w.data as Int8Array;
    const accumulate = arena
      ? gemmScatter(arena, src, xq.zeroPoint, dims, geometry)
      : loopScatter(src, xq.zeroPoint, dims, geometry);
    // sums of at most KH*KW*IC products of |x - z| <= 255 and |w| <= 127: exact in int32
    const acc = new Int32Array(OH * OW * OC);
    return {
      outputs,
      run(inputs, [output]) {
        const xs = inputs[2] as Int8Array;
        for (let n = 0; n < N; n++) {
          accumulate(xs.subarray(n * H * W * IC, (n + 1) * H * W * IC), acc);
          const y = (output as Int8Array).subarray(n * OH * OW * OC, (n + 1) * OH * OW * OC);
          rescale.rows(acc, OH * OW, y, OC);
        }
      },
    };
  },
};

interface Dims {
  H: number;
  W: number;
  IC: number;
  OH: number;
  OW: number;
  OC: number;
  KH: number;
  KW: number;
}

/** One image's accumulators Σ (x - z_x) w into `acc` (zeroed first). */
type Scatter = (x: Int8Array, acc: Int32Array) => void;

/** The accumulators in JS: each input pixel, centred, scattered through every tap it reaches. */
function loopScatter(src: Int8Array, zx: number, d: Dims, g: Geometry): Scatter {
  const { H, W, IC, OH, OW, OC, KH, KW } = d;
  // weights as [KH, KW, IC, OC]: one tap's OC outputs for each input channel are contiguous
  const wt = new Float64Array(KH * KW * IC * OC);
  for (let oc = 0; oc < OC; oc++)
    for (let t = 0; t < KH * KW; t++)
      for (let ic = 0; ic < IC; ic++) wt[(t * IC + ic) * OC + oc] = src[(oc * KH * KW + t) * IC + ic]!;
  const centred = new Float64Array(IC);
  return (xs, acc) => {
    acc.fill(0);
    for (let iy = 0; iy < H; iy++)
      for (let ix = 0; ix < W; ix++) {
        const from = (iy * W + ix) * IC;
        for (let ic = 0; ic < IC; ic++) centred[ic] = xs[from + ic]! - zx;
        for (let kh = 0; kh < KH; kh++) {
          const oy = iy * g.strideH + kh - g.padTop;
          if (oy < 0 || oy >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ox = ix * g.strideW + kw - g.padLeft;
            if (ox < 0 || ox >= OW) continue;
            const to = (oy * OW + ox) * OC;
            const tap = (kh * KW + kw) * IC * OC;
            for (let ic = 0; ic < IC; ic++) {
              const v = centred[ic]!;
              if (v === 0) continue;
              const row = tap + ic * OC;
              for (let oc = 0; oc < OC; oc++) acc[to + oc]! += v * wt[row + oc]!;
            }
          }
        }
      }
  };
}

interface Geometry {
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/**
 * The accumulators through the WebAssembly int8 GEMM: C [H W, KH KW OC] = x [H W, IC] w' [KH KW OC, IC]^T
 * gives every (pixel, tap, output channel) sum Σ_ic x w at once, then each is scattered to its output
 * pixel less z_x Σ_ic w: Σ (x - z_x) w, the JS loop's integers (PP-OCRv4 det at 640x640: 230 ms of a
 * run in its two TRANSPOSE_CONVs in JS).
 */
function gemmScatter(arena: WasmArena, src: Int8Array, zx: number, d: Dims, g: Geometry): Scatter {
  const { H, W, IC, OH, OW, OC, KH, KW } = d;
  const taps = KH * KW;
  const cols = taps * OC;
  // w' row (t OC + oc) is filter oc's tap t, IC weights; its zero-point term z_x Σ_ic w
  const rows = new Int8Array(cols * IC);
  const zeroTerm = new Int32Array(cols);
  for (let oc = 0; oc < OC; oc++)
    for (let t = 0; t < taps; t++) {
      const at = (t * OC + oc) * IC;
      rows.set(src.subarray((oc * taps + t) * IC, (oc * taps + t + 1) * IC), at);
      let sum = 0;
      for (let ic = 0; ic < IC; ic++) sum += rows[at + ic]!;
      zeroTerm[t * OC + oc] = zx * sum;
    }
  const gemm = new Int8Gemm(arena, rows, cols, IC, H * W);
  return (x, acc) => {
    acc.fill(0);
    for (let p0 = 0; p0 < H * W; p0 += gemm.tile) {
      const count = Math.min(gemm.tile, H * W - p0);
      const a = gemm.input();
      if (gemm.kp === IC) a.set(x.subarray(p0 * IC, (p0 + count) * IC));
      else for (let p = 0; p < count; p++) a.set(x.subarray((p0 + p) * IC, (p0 + p + 1) * IC), p * gemm.kp);
      gemm.run(count);
      const c = gemm.output();
      for (let p = p0; p < p0 + count; p++) {
        const [iy, ix] = [Math.floor(p / W), p % W];
        const base = (p - p0) * gemm.n;
        for (let kh = 0; kh < KH; kh++) {
          const oy = iy * g.strideH + kh - g.padTop;
          if (oy < 0 || oy >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ox = ix * g.strideW + kw - g.padLeft;
            if (ox < 0 || ox >= OW) continue;
            const to = (oy * OW + ox) * OC;
            const col = (kh * KW + kw) * OC;
            for (let oc = 0; oc < OC; oc++) acc[to + oc]! += c[base + col + oc]! - zeroTerm[col + oc]!;
          }
        }
      }
    }
  };
}

/**
 * The filter tiles the output: stride = filter size, no padding, output = input x stride (PP-OCRv4 det's
 * 2x2 stride-2 upsamplings). Each output pixel then receives exactly one tap, so nothing is summed across
 * input pixels.
 */
function tiles(d: Dims, g: Geometry): boolean {
  return (
    g.strideH === d.KH &&
    g.strideW === d.KW &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    d.OH === d.H * d.KH &&
    d.OW === d.W * d.KW
  );
}

/**
 * A tiling TRANSPOSE_CONV (see `tiles`) as a 1x1 conv with KH KW OC channels: the GEMM's sum for
 * (pixel, tap, oc) is already that output pixel's accumulator, so it is rescaled where the GEMM left it
 * (one channel per tap and output channel, with that channel's bias and the input zero point's
 * correction z_x Σ_ic w: the same integer as gemmScatter's acc + bias) and only the int8 results are
 * moved to their pixels. PP-OCRv4 det at 640x640: the scatter and JS rescale of 2.5 M int32 accumulators
 * were 40 ms of a device run's 370.
 */
function tiledGemm(
  cx: KernelContext,
  arena: WasmArena,
  w: ValueMeta,
  b: ValueMeta | undefined,
  d: Dims,
  N: number,
): PreparedKernel['run'] {
  const { H, W, IC, OC, KH, KW } = d;
  const src = w.data as Int8Array;
  const cols = KH * KW * OC;
  // w' row (t OC + oc) is filter oc's tap t: the (tap, oc) channel's IC weights
  const rows = new Int8Array(cols * IC);
  const sums = new Int32Array(cols);
  for (let oc = 0; oc < OC; oc++)
    for (let t = 0; t < KH * KW; t++) {
      const at = (t * OC + oc) * IC;
      rows.set(src.subarray((oc * KH * KW + t) * IC, (oc * KH * KW + t + 1) * IC), at);
      for (let ic = 0; ic < IC; ic++) sums[t * OC + oc]! += rows[at + ic]!;
    }
  // A tile of whole input rows at a time: their output rows are whole too.
  const gemm = new Int8Gemm(arena, rows, cols, IC, H * W, W);
  const yq = outputParams(cx, 0);
  const perChannel = channelScales(cx, w, OC);
  const bias = b?.data as Int32Array | undefined;
  const rescale = channelRescale(cx, {
    input: inputParams(cx, 2),
    weightScales: Array.from({ length: cols }, (_, c) => perChannel[c % OC]!),
    output: yq,
    bias: bias && Int32Array.from({ length: cols }, (_, c) => bias[c % OC]!),
    weightSums: sums,
    range: activationRange(cx, fusedActivation(cx), yq),
    rows: gemm.tile,
  });
  const tapped = new Int8Array(gemm.tile * cols);
  const words = (KW * OC) % 4 === 0 ? new Int32Array(tapped.buffer) : undefined;
  return ([, , input], [output]) => {
    const y = output as Int8Array;
    for (let n = 0; n < N; n++) {
      for (let iy = 0; iy < H; iy += gemm.tile / W) {
        const h = Math.min(gemm.tile / W, H - iy);
        const a = gemm.input();
        const x = (input as Int8Array).subarray((n * H + iy) * W * IC, (n * H + iy + h) * W * IC);
        if (gemm.kp === IC) a.set(x);
        else for (let p = 0; p < h * W; p++) a.set(x.subarray(p * IC, (p + 1) * IC), p * gemm.kp);
        gemm.run(h * W);
        if (rescale.native) rescale.native(gemm.outputOffset, h * W, tapped, gemm.n);
        else rescale.rows(gemm.output(), h * W, tapped, gemm.n);
        const at = (n * H + iy) * W * cols;
        if (words && (y.byteOffset & 3) === 0)
          untile(
            new Int32Array(y.buffer, y.byteOffset + at, (h * W * cols) >> 2),
            words,
            h,
            W,
            KH,
            cols >> 2,
          );
        else untile(y.subarray(at, at + h * W * cols), tapped, h, W, KH, cols);
      }
    }
  };
}

/**
 * Moves a tiling TRANSPOSE_CONV's results to their pixels: input pixel (iy, ix)'s KH rows of KW OC
 * values (`tapped`, `cols` elements per input pixel, one after another; H rows of W pixels) go to output
 * rows iy KH + kh, one after another.
 * Elements are bytes, or groups of four bytes when KW OC is a multiple of 4 (a quarter of the moves).
 */
function untile<T extends Int8Array | Int32Array>(
  y: T,
  tapped: T,
  H: number,
  W: number,
  KH: number,
  cols: number,
): void {
  const run = cols / KH;
  let to = 0;
  for (let iy = 0; iy < H; iy++)
    for (let kh = 0; kh < KH; kh++)
      for (let ix = 0, from = iy * W * cols + kh * run; ix < W; ix++, from += cols)
        for (let i = 0; i < run; i++) y[to++] = tapped[from + i]!;
}

export const TRANSPOSE_CONV = defineBuiltin({
  name: 'TRANSPOSE_CONV',
  options: optionsTable('TransposeConvOptions', [padding, strideW, strideH, activation, quantizedBiasType]),
  // Inputs: output shape, filter (OHWI), input, optional bias.
  version: first(
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 5],
    [(s) => !!opt(s, 'fused_activation_function'), 4],
    [(s) => s.inputs.length === 4 && inp(s, 3).type !== undefined, 3],
    [(s) => is(inp(s, 1), 'INT8'), 2],
  ),
  int8: { activations: () => [2], weight: { index: 1, axis: 0 }, bias: 3, output: 'calibrated' },
  kernel,
});
