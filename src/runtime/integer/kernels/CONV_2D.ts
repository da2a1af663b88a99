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

/** x [N,H,W,C] * w [OC,KH,KW,C/groups] + bias [OC] -> y [N,OH,OW,OC]; int32 accumulators, one row per pixel. */
export const CONV_2D: IntegerKernel = {
  opType: 'CONV_2D',
  prepare(cx: KernelContext) {
    const x = requireDtype(cx, 0, 'int8');
    const w = requireDtype(cx, 1, 'int8');
    const b = cx.inputs[2]?.name ? requireDtype(cx, 2, 'int32') : undefined;
    if (!w.data) throw new KernelError(cx, 'weights must be constant');
    if (b && !b.data) throw new KernelError(cx, 'bias must be constant');
    const [N, H, W, C] = x.shape as [number, number, number, number];
    const [OC, KH, KW, IC] = w.shape as [number, number, number, number];
    if (x.shape.length !== 4 || w.shape.length !== 4 || C % IC !== 0 || OC % (C / IC) !== 0)
      throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
    const groups = C / IC;
    const perGroup = OC / groups;
    const geo = windowGeometry(H, W, windowAttrs(cx, KH, KW));
    const attrs = windowAttrs(cx, KH, KW);
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const weights = w.data as Int8Array;
    const taps = KH * KW;
    const K = taps * IC;
    const sums = new Int32Array(OC);
    for (let oc = 0; oc < OC; oc++) for (let i = 0; i < K; i++) sums[oc]! += weights[oc * K + i]!;
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
              for (let g = 0; g < groups; g++) {
                convPixel(
                  src,
                  base + g * IC,
                  weights,
                  tapOffset,
                  IC,
                  K,
                  g * perGroup,
                  (g + 1) * perGroup,
                  acc,
                );
              }
              rescale.row(acc, OC, y, ((n * outH + oh) * outW + ow) * OC);
            }
          }
        }
      },
    };
  },
};

/** acc[oc] = Σ_taps Σ_ic x w for output channels [from, to), four channels per pass over the input. */
function convPixel(
  x: Int8Array,
  base: number,
  w: Int8Array,
  tapOffset: Int32Array,
  IC: number,
  K: number,
  from: number,
  to: number,
  acc: Int32Array,
): void {
  const taps = tapOffset.length;
  let oc = from;
  for (; oc + 4 <= to; oc += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let w0 = oc * K;
    for (let t = 0; t < taps; t++) {
      const xo = base + tapOffset[t]!;
      for (let i = 0; i < IC; i++, w0++) {
        const v = x[xo + i]!;
        a0 += v * w[w0]!;
        a1 += v * w[w0 + K]!;
        a2 += v * w[w0 + 2 * K]!;
        a3 += v * w[w0 + 3 * K]!;
      }
    }
    acc[oc] = a0;
    acc[oc + 1] = a1;
    acc[oc + 2] = a2;
    acc[oc + 3] = a3;
  }
  for (; oc < to; oc++) {
    let a = 0;
    let wo = oc * K;
    for (let t = 0; t < taps; t++) {
      const xo = base + tapOffset[t]!;
      for (let i = 0; i < IC; i++) a += x[xo + i]! * w[wo++]!;
    }
    acc[oc] = a;
  }
}
