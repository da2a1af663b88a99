import { attrInt } from '../../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../types.js';
import {
  activationRange,
  channelScales,
  fusedActivation,
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
} from './common/params.js';
import { channelRescale } from './common/rescale.js';
import { PaddedImage, windowAttrs, windowGeometry } from './common/window.js';

/** x [N,H,W,C] with w [1,KH,KW,C*m]: output channel c reads input channel floor(c / m). */
export const DEPTHWISE_CONV_2D: IntegerKernel = {
  opType: 'DEPTHWISE_CONV_2D',
  prepare(cx: KernelContext) {
    const x = requireDtype(cx, 0, 'int8');
    const w = requireDtype(cx, 1, 'int8');
    const b = cx.inputs[2]?.name ? requireDtype(cx, 2, 'int32') : undefined;
    if (!w.data) throw new KernelError(cx, 'weights must be constant');
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
    const weights = w.data as Int8Array;
    const taps = KH * KW;
    const sums = new Int32Array(OC);
    for (let t = 0; t < taps; t++) for (let c = 0; c < OC; c++) sums[c]! += weights[t * OC + c]!;
    const rescale = channelRescale(cx, {
      input: xq,
      weightScales: channelScales(cx, w, OC),
      output: yq,
      bias: b?.data as Int32Array | undefined,
      weightSums: sums,
      range: activationRange(cx, fusedActivation(cx), yq),
    });
    const image = new PaddedImage(H, W, C, geo, xq.zeroPoint);
    const Wp = image.width;
    const tapOffset = new Int32Array(taps);
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        tapOffset[kh * KW + kw] = (kh * attrs.dilationH * Wp + kw * attrs.dilationW) * C;
    const channelOf = Int32Array.from({ length: OC }, (_, c) => Math.floor(c / m));
    const acc = new Int32Array(OC);
    const { outH, outW } = geo;
    return {
      outputs: [{ dtype: 'int8', shape: [N, outH, outW, OC] }],
      run([input], [output]) {
        const y = output as Int8Array;
        for (let n = 0; n < N; n++) {
          const { data: src, offset } = image.load(input as Int8Array, n);
          for (let oh = 0; oh < outH; oh++) {
            for (let ow = 0; ow < outW; ow++) {
              const base = offset + (oh * attrs.strideH * Wp + ow * attrs.strideW) * C;
              acc.fill(0);
              if (m === 1) depthwisePixel(src, base, weights, tapOffset, OC, acc);
              else multiplierPixel(src, base, weights, tapOffset, OC, channelOf, acc);
              rescale.row(acc, OC, y, ((n * outH + oh) * outW + ow) * OC);
            }
          }
        }
      },
    };
  },
};

function depthwisePixel(
  x: Int8Array,
  base: number,
  w: Int8Array,
  tapOffset: Int32Array,
  C: number,
  acc: Int32Array,
) {
  for (let t = 0; t < tapOffset.length; t++) {
    const xo = base + tapOffset[t]!;
    const wo = t * C;
    for (let c = 0; c < C; c++) acc[c] = acc[c]! + x[xo + c]! * w[wo + c]!;
  }
}

function multiplierPixel(
  x: Int8Array,
  base: number,
  w: Int8Array,
  tapOffset: Int32Array,
  OC: number,
  channelOf: Int32Array,
  acc: Int32Array,
) {
  for (let t = 0; t < tapOffset.length; t++) {
    const xo = base + tapOffset[t]!;
    const wo = t * OC;
    for (let c = 0; c < OC; c++) acc[c] = acc[c]! + x[xo + channelOf[c]!]! * w[wo + c]!;
  }
}
