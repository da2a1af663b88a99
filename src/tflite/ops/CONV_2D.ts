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
} from '../../runtime/integer/kernels/common/params.js';
import { Int8Gemm } from '../../runtime/integer/kernels/common/gemm.js';
import { weightedRescale } from '../../runtime/integer/kernels/common/rescale.js';
import {
  PaddedImage,
  windowAttrs,
  windowGeometry,
  type Window,
  type WindowAttrs,
} from '../../runtime/integer/kernels/common/window.js';
import { defineBuiltin, weightedChannels } from './common/builtin.js';
import { weighted } from './common/int8.js';
import {
  activation,
  dilations,
  optionsTable,
  padding,
  quantizedBiasType,
  strideH,
  strideW,
} from './common/options.js';
import { first, hybrid, inp, io, opt, type OpSig } from './common/version.js';

/**
 * x [N,H,W,C] * w [OC,KH,KW,C/groups] + bias [OC] -> y [N,OH,OW,OC]: the int32 accumulators Σ x w of a
 * whole image, then the scheme's rescale over them. The accumulators come from the WebAssembly int8 GEMM
 * on an im2col of the image, or (grouped convs, no WebAssembly SIMD) from JS loops (packed.ts).
 */
const kernel: IntegerKernel = {
  opType: 'CONV_2D',
  prepare(cx: KernelContext) {
    const { x, w, b } = weightedOperands(cx);
    const [N, H, W, C] = x.shape as [number, number, number, number];
    const [OC, KH, KW, IC] = w.shape as [number, number, number, number];
    if (x.shape.length !== 4 || w.shape.length !== 4 || C % IC !== 0 || OC % (C / IC) !== 0)
      throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
    const groups = C / IC;
    const attrs = windowAttrs(cx, KH, KW);
    const geo = windowGeometry(H, W, attrs);
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const weights = w.data as Int8Array;
    const K = KH * KW * IC;
    const sums = new Int32Array(OC);
    for (let oc = 0; oc < OC; oc++) for (let i = 0; i < K; i++) sums[oc]! += weights[oc * K + i]!;
    const perGroup = OC / groups;
    const pixels = geo.outH * geo.outW;
    const arena = groups === 1 ? cx.arena() : undefined;
    const gemm = arena && new Int8Gemm(arena, weights, OC, K, pixels);
    const rescale = weightedRescale(cx, xq, w, b, yq, sums, gemm?.tile ?? pixels);
    const outputs = [{ dtype: 'int8' as const, shape: [N, geo.outH, geo.outW, OC] }];
    const image = (n: number) => (output: Int8Array) =>
      output.subarray(n * pixels * OC, (n + 1) * pixels * OC);
    if (arena && gemm) {
      // im2col into the GEMM's A: one row of K taps per output pixel, a tile of pixels at a time.
      const padded = new PaddedImage(H, W, C, geo, xq.zeroPoint);
      const layout = dotLayout(attrs, geo, padded.width, C, IC, 0, 1);
      const direct =
        layout.taps.length === 1 && geo.outH === H && geo.outW === W && gemm.kp === K && padded.width === W;
      // The padded image in the arena's shared scratch too (PP-OCRv4 det at 640x640: 16 MB one per conv),
      // its border set again at each run.
      const paddedAt = direct ? undefined : arena.scratch(padded.size, 'image');
      return {
        outputs,
        run([input], [output]) {
          for (let n = 0; n < N; n++) {
            const x = input as Int8Array;
            const src = direct
              ? x.subarray(n * pixels * K)
              : padded.load(x, n, padded.border(paddedAt!.int8()));
            const y = image(n)(output as Int8Array);
            for (let p = 0; p < pixels; p += gemm.tile) {
              const rows = Math.min(gemm.tile, pixels - p);
              const a = gemm.input();
              if (direct) a.set(src.subarray(p * K, (p + rows) * K));
              else im2col(src, layout, a, gemm.kp, p, p + rows);
              gemm.run(rows);
              const out = y.subarray(p * OC, (p + rows) * OC);
              if (rescale.native) rescale.native(gemm.outputOffset, rows, out, gemm.n);
              else rescale.rows(gemm.output(), rows, out, gemm.n);
            }
          }
        },
      };
    }
    const padded = new PaddedImage(H, W, C, geo, xq.zeroPoint);
    const doubles = padded.allocate(Float64Array);
    const layouts = Array.from({ length: groups }, (_, g) =>
      dotLayout(attrs, geo, padded.width, C, IC, g, groups),
    );
    const groupWeights = (g: number) => weights.subarray(g * perGroup * K, (g + 1) * perGroup * K);
    const packed =
      K <= MAX_PACKED_TERMS ? layouts.map((_, g) => packPairs(groupWeights(g), perGroup, K)) : undefined;
    const acc = new Int32Array(pixels * OC);
    return {
      outputs,
      run([input], [output]) {
        for (let n = 0; n < N; n++) {
          const src = padded.load(input as Int8Array, n, doubles);
          for (let g = 0; g < groups; g++) {
            if (packed) packedDots(src, layouts[g]!, packed[g]!, perGroup, acc, OC, g * perGroup);
            else plainDots(src, layouts[g]!, groupWeights(g), perGroup, acc, OC, g * perGroup);
          }
          rescale.rows(acc, pixels, image(n)(output as Int8Array), OC);
        }
      },
    };
  },
};

/**
 * Each output pixel's taps from `from` to `to`, one after another, pixel p as row p - from of `a` (row
 * length kp). A long run (a filter row of 3 x 96 channels in PP-OCRv4 det's neck) is one block copy: byte
 * by byte, im2col was as slow as the GEMM it feeds (200 ms a det run at 640x640).
 */
function im2col(x: Int8Array, layout: DotLayout, a: Int8Array, kp: number, first: number, end: number): void {
  const { bases, taps, run } = layout;
  for (let p = first; p < end; p++) {
    let to = (p - first) * kp;
    for (let t = 0; t < taps.length; t++) {
      const from = bases[p]! + taps[t]!;
      if (run >= BLOCK_COPY) {
        a.set(x.subarray(from, from + run), to);
        to += run;
      } else {
        for (let i = 0; i < run; i++) a[to++] = x[from + i]!;
      }
    }
  }
}

/** The run length from which a subarray copy beats a byte loop (its view costs about 30 bytes' copying). */
const BLOCK_COPY = 64;

/**
 * Where each output pixel's window starts in the padded image, and its taps: runs of values contiguous
 * in the image and in the weights, one filter row when its columns are adjacent (dilation 1, no groups),
 * else one filter position.
 */
function dotLayout(
  a: WindowAttrs,
  geo: Window,
  Wp: number,
  C: number,
  IC: number,
  g: number,
  groups: number,
): DotLayout {
  const rows = a.dilationW === 1 && groups === 1;
  const bases = new Int32Array(geo.outH * geo.outW);
  for (let oh = 0; oh < geo.outH; oh++)
    for (let ow = 0; ow < geo.outW; ow++)
      bases[oh * geo.outW + ow] = (oh * a.strideH * Wp + ow * a.strideW) * C + g * IC;
  const taps = rows
    ? Int32Array.from({ length: a.kH }, (_, kh) => kh * a.dilationH * Wp * C)
    : Int32Array.from({ length: a.kH * a.kW }, (_, t) => {
        const [kh, kw] = [Math.floor(t / a.kW), t % a.kW];
        return (kh * a.dilationH * Wp + kw * a.dilationW) * C;
      });
  return { bases, taps, run: rows ? a.kW * IC : IC };
}

export const CONV_2D = defineBuiltin({
  name: 'CONV_2D',
  // Filters OHWI.
  weightChannels: weightedChannels(0, 3),
  floorShift: 'biased',
  options: optionsTable('Conv2DOptions', [
    padding,
    strideW,
    strideH,
    activation,
    ...dilations,
    quantizedBiasType,
  ]),
  version: first(
    [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 8],
    [groupedConv, 6],
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 4],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 5],
    [hybrid, 2],
  ),
  // Filters are OHWI: per-axis dim 0.
  int8: weighted(0),
  kernel,
});

/** Grouped convolution: the input has more channels than one filter covers (NHWC input, OHWI filter). */
function groupedConv(s: OpSig): boolean {
  const [input, filter] = [inp(s, 0).shape[3] ?? -1, inp(s, 1).shape[3] ?? -1];
  return input > 0 && filter > 0 && input !== filter;
}
