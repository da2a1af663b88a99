import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../../runtime/integer/types.js';
import {
  inputParams,
  KernelError,
  outputParams,
  weightedOperands,
} from '../../runtime/integer/kernels/common/params.js';
import { weightedRescale } from '../../runtime/integer/kernels/common/rescale.js';
import type { WasmArena } from '../../runtime/integer/wasm/arena.js';
import { PaddedImage, windowAttrs, windowGeometry } from '../../runtime/integer/kernels/common/window.js';
import { defineBuiltin, fusedClip } from './common/builtin.js';
import { weighted } from './common/int8.js';
import { activation, dilations, field, optionsTable, padding, strideH, strideW } from './common/options.js';
import { first, hybrid, inp, io, opt } from './common/version.js';

/**
 * x [N,H,W,C] with w [1,KH,KW,C*m]: output channel c reads input channel floor(c / m). Σ over the taps
 * per output pixel and channel: in WebAssembly (multiplier 1), else in JS (doubles holding exact integers,
 * as in packed.ts).
 */
const kernel: IntegerKernel = {
  opType: 'DEPTHWISE_CONV_2D',
  prepare(cx: KernelContext) {
    const { x, w, b } = weightedOperands(cx);
    const [N, H, W, C] = x.shape as [number, number, number, number];
    const [one, KH, KW, OC] = w.shape as [number, number, number, number];
    if (x.shape.length !== 4 || w.shape.length !== 4 || one !== 1 || OC % C !== 0)
      throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
    const m = OC / C;
    const declared = attrInt(cx.node, 'depth_multiplier', 0);
    if (declared > 0 && declared !== m)
      throw new KernelError(cx, `depth_multiplier ${declared} but filter gives ${m}`);
    const attrs = windowAttrs(cx, KH, KW);
    const geo = windowGeometry(H, W, attrs);
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const weights = Float64Array.from(w.data as Int8Array);
    const taps = KH * KW;
    const sums = new Int32Array(OC);
    for (let t = 0; t < taps; t++) for (let c = 0; c < OC; c++) sums[c]! += weights[t * OC + c]!;
    const image = new PaddedImage(H, W, C, geo, xq.zeroPoint);
    const Wp = image.width;
    const tapOffset = new Int32Array(taps);
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        tapOffset[kh * KW + kw] = (kh * attrs.dilationH * Wp + kw * attrs.dilationW) * C;
    const { outH, outW } = geo;
    const pixels = outH * outW;
    const bases = new Int32Array(pixels);
    for (let oh = 0; oh < outH; oh++)
      for (let ow = 0; ow < outW; ow++)
        bases[oh * outW + ow] = (oh * attrs.strideH * Wp + ow * attrs.strideW) * C;
    const outputs = [{ dtype: 'int8' as const, shape: [N, outH, outW, OC] }];
    const slice = (output: Int8Array, n: number) => output.subarray(n * pixels * OC, (n + 1) * pixels * OC);
    const arena = m === 1 ? cx.arena() : undefined;
    const dw = arena && wasmDepthwise(arena, image, bases, tapOffset, w.data as Int8Array, C);
    const rescale = weightedRescale(cx, xq, w, b, yq, sums, dw?.tile ?? pixels);
    if (dw) {
      return {
        outputs,
        run([input], [output]) {
          for (let n = 0; n < N; n++) {
            dw.load(input as Int8Array, n);
            const y = slice(output as Int8Array, n);
            for (let p = 0; p < pixels; p += dw.tile) {
              const rows = Math.min(dw.tile, pixels - p);
              dw.run(p, rows);
              const out = y.subarray(p * OC, (p + rows) * OC);
              if (rescale.native) rescale.native(dw.offset, rows, out, dw.cp);
              else rescale.rows(dw.output(), rows, out, dw.cp);
            }
          }
        },
      };
    }
    const doubles = image.allocate(Float64Array);
    const channelOf = Int32Array.from({ length: OC }, (_, c) => Math.floor(c / m));
    const acc = new Int32Array(pixels * OC);
    return {
      outputs,
      run([input], [output]) {
        for (let n = 0; n < N; n++) {
          const src = image.load(input as Int8Array, n, doubles);
          for (let p = 0, o = 0; p < pixels; p++, o += OC) {
            if (m === 1 && taps === 9) pixel3x3(src, bases[p]!, weights, tapOffset, OC, acc, o);
            else pixel(src, bases[p]!, weights, tapOffset, OC, channelOf, acc, o);
          }
          rescale.rows(acc, pixels, slice(output as Int8Array, n), OC);
        }
      },
    };
  },
};

/**
 * The WebAssembly depthwise kernel (multiplier 1) on the padded image in the arena: eight channels per
 * step, channels padded to cp (a multiple of 8; the image gets 8 spare bytes for the last step's reads);
 * a tile of `tile` output pixels per run (WasmArena.tileRows), into accumulators of that many rows.
 */
function wasmDepthwise(
  arena: WasmArena,
  image: PaddedImage,
  bases: Int32Array,
  taps: Int32Array,
  w: Int8Array,
  C: number,
) {
  const cp = Math.ceil(C / 8) * 8;
  // The image and the accumulators in the arena's shared scratch (see WasmArena.scratch): the image's
  // border is set again at each run, as another kernel may have written there since.
  const x = arena.scratch(image.size + 8, 'inputs');
  const basesAt = arena.alloc(bases.length * 4);
  basesAt.int32().set(bases);
  const tapsAt = arena.alloc(taps.length * 4);
  tapsAt.int32().set(taps);
  const wAt = arena.alloc(taps.length * cp);
  for (let t = 0; t < taps.length; t++) wAt.int8().set(w.subarray(t * C, (t + 1) * C), t * cp);
  const tile = arena.tileRows(bases.length, cp * 4);
  const c = arena.scratch(tile * cp * 4, 'accumulators');
  return {
    cp,
    tile,
    get offset() {
      return c.offset;
    },
    output: () => c.int32(),
    /** Image `n` of the input into the padded image. */
    load(input: Int8Array, n: number): void {
      image.load(input, n, image.border(x.int8()));
    },
    /** Output pixels `first` .. first + rows - 1 (rows <= tile) into the accumulators' first rows. */
    run(first: number, rows: number): void {
      arena.dwconv(
        x.offset,
        basesAt.offset + first * 4,
        rows,
        tapsAt.offset,
        taps.length,
        wAt.offset,
        c.offset,
        cp,
      );
    },
  };
}

/** The common case, 3x3 with multiplier 1: nine taps summed in a register per channel. */
function pixel3x3(
  x: Float64Array,
  base: number,
  w: Float64Array,
  off: Int32Array,
  C: number,
  acc: Int32Array,
  o: number,
) {
  const b0 = base + off[0]!;
  const b1 = base + off[1]!;
  const b2 = base + off[2]!;
  const b3 = base + off[3]!;
  const b4 = base + off[4]!;
  const b5 = base + off[5]!;
  const b6 = base + off[6]!;
  const b7 = base + off[7]!;
  const b8 = base + off[8]!;
  for (let c = 0; c < C; c++) {
    acc[o + c] =
      x[b0 + c]! * w[c]! +
      x[b1 + c]! * w[C + c]! +
      x[b2 + c]! * w[2 * C + c]! +
      x[b3 + c]! * w[3 * C + c]! +
      x[b4 + c]! * w[4 * C + c]! +
      x[b5 + c]! * w[5 * C + c]! +
      x[b6 + c]! * w[6 * C + c]! +
      x[b7 + c]! * w[7 * C + c]! +
      x[b8 + c]! * w[8 * C + c]!;
  }
}

function pixel(
  x: Float64Array,
  base: number,
  w: Float64Array,
  off: Int32Array,
  OC: number,
  channelOf: Int32Array,
  acc: Int32Array,
  o: number,
) {
  for (let c = 0; c < OC; c++) {
    const xc = base + channelOf[c]!;
    let a = 0;
    for (let t = 0; t < off.length; t++) a += x[xc + off[t]!]! * w[t * OC + c]!;
    acc[o + c] = a;
  }
}

export const DEPTHWISE_CONV_2D = defineBuiltin({
  name: 'DEPTHWISE_CONV_2D',
  // Filters 1HW(C*m): output channel o reads input channel floor(o / m), one group per input channel.
  weightChannels: (node, g) => {
    const w = g.initializers.get(node.inputs[1] ?? '');
    const m = attrInt(node, 'depth_multiplier', 0) || 1;
    if (w?.dims.length !== 4 || w.dims[3]! % m !== 0) return undefined;
    return { index: 1, bias: 2, output: 3, input: 0, groups: w.dims[3]! / m, clip: fusedClip(node) };
  },
  floorShift: 'biased',
  options: optionsTable('DepthwiseConv2DOptions', [
    padding,
    strideW,
    strideH,
    field('depth_multiplier', 'int'),
    activation,
    ...dilations,
  ]),
  version: first(
    [(s) => io(s, 'INT16', 'INT16', 'INT16'), 5],
    [(s) => hybrid(s) && inp(s, 1).scales > 1, 6],
    [hybrid, 4],
    [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3],
    [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7],
    [(s) => opt(s, 'dilation_w_factor') !== 1 || opt(s, 'dilation_h_factor') !== 1, 2],
  ),
  // Filters are 1HW(C*M): per-axis dim 3.
  int8: weighted(3),
  kernel,
});
