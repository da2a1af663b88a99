import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import { constantInts, KernelError } from '../../runtime/integer/kernels/common/params.js';
import { copyRun } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { optionsTable, resizeFlags } from './common/options.js';
import { first, inp, is, opt } from './common/version.js';

/**
 * x [N,H,W,C] to [N, size[0], size[1], C], each output pixel a copy of one input pixel (int8 in and out
 * share their parameters, as TFLite's quantized RESIZE_NEAREST_NEIGHBOR requires). The source pixel is
 * TFLite's: scale in/out (or (in-1)/(out-1) with align_corners), in float32; floor((o + 0.5) * scale)
 * with half_pixel_centers, round(o * scale) with align_corners, floor(o * scale) otherwise; clamped.
 */
const kernel: IntegerKernel = {
  opType: 'RESIZE_NEAREST_NEIGHBOR',
  prepare(cx) {
    const x = cx.inputs[0]!;
    if (x.shape.length !== 4) throw new KernelError(cx, `input [${x.shape}] is not [N, H, W, C]`);
    const [N, H, W, C] = x.shape as [number, number, number, number];
    const size = constantInts(cx, 1, 'size');
    if (size.length !== 2 || size.some((d) => !(d > 0)))
      throw new KernelError(cx, `size [${size}] is not [height, width]`);
    const [OH, OW] = size as [number, number];
    const alignCorners = attrInt(cx.node, 'align_corners', 0) !== 0;
    const halfPixel = attrInt(cx.node, 'half_pixel_centers', 0) !== 0;
    const source = (o: number, inSize: number, outSize: number) => {
      const f = Math.fround;
      const scale = alignCorners && outSize > 1 ? f((inSize - 1) / (outSize - 1)) : f(inSize / outSize);
      let i = alignCorners ? Math.round(f(o * scale)) : Math.floor(f(f(o + (halfPixel ? 0.5 : 0)) * scale));
      i = Math.min(i, inSize - 1);
      return halfPixel ? Math.max(0, i) : i;
    };
    const rows = Int32Array.from({ length: OH }, (_, o) => source(o, H, OH));
    const cols = Int32Array.from({ length: OW }, (_, o) => source(o, W, OW));
    return {
      outputs: [{ dtype: x.dtype, shape: [N, OH, OW, C] }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        let to = 0;
        for (let n = 0; n < N; n++)
          for (let oy = 0; oy < OH; oy++, to += OW * C) {
            // an upsampling repeats each output row: copied from the one before
            if (oy > 0 && rows[oy] === rows[oy - 1]) dst.copyWithin(to, to - OW * C, to);
            else {
              const row = (n * H + rows[oy]!) * W;
              for (let ox = 0; ox < OW; ox++) copyRun(dst, to + ox * C, src, (row + cols[ox]!) * C, C);
            }
          }
      },
    };
  },
};

export const RESIZE_NEAREST_NEIGHBOR = defineBuiltin({
  name: 'RESIZE_NEAREST_NEIGHBOR',
  options: optionsTable('ResizeNearestNeighborOptions', resizeFlags),
  version: first(
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => opt(s, 'half_pixel_centers') === true || opt(s, 'align_corners') === true, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
  kernel,
});
