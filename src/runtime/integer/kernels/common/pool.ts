import { attrInt } from '../../../../ir/attrs.js';
import type { KernelContext, PreparedKernel } from '../../types.js';
import {
  activationRange,
  fusedActivation,
  inputParams,
  int8Table,
  outputParams,
  requireDtype,
  type Scalar,
} from './params.js';
import { requantizeFunction } from './requantize.js';
import { windowAttrs, windowGeometry, type Window } from './window.js';

export interface PoolShape {
  N: number;
  H: number;
  W: number;
  C: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  geo: Window;
}

export interface PoolSetup {
  shape: PoolShape;
  x: Scalar;
  y: Scalar;
  /** Clamps to the fused activation's range (and re-expresses with the output's parameters when needed). */
  finish: Int8Array;
  /** Only the fused activation's clamp, for values already on the output's parameters. */
  clampOnly: Int8Array;
}

export function poolSetup(cx: KernelContext): PoolSetup {
  const input = requireDtype(cx, 0, 'int8');
  const [N, H, W, C] = input.shape as [number, number, number, number];
  const kH = attrInt(cx.node, 'filter_height', 1);
  const kW = attrInt(cx.node, 'filter_width', 1);
  const a = windowAttrs(cx, kH, kW);
  const x = inputParams(cx, 0);
  const y = outputParams(cx, 0, 0);
  const [lo, hi] = activationRange(cx, fusedActivation(cx), y);
  const requant = requantizeFunction(cx, x, y);
  return {
    shape: { N, H, W, C, kH, kW, strideH: a.strideH, strideW: a.strideW, geo: windowGeometry(H, W, a) },
    x,
    y,
    finish: int8Table((q) => Math.min(hi, Math.max(lo, requant(q)))),
    clampOnly: int8Table((q) => Math.min(hi, Math.max(lo, q))),
  };
}

/**
 * Runs a pooling window over NHWC int8: for each output pixel, `reduce` gets the in-bounds window
 * (rows [h0,h1), columns [w0,w1)) and writes C outputs at `out`.
 */
export function poolKernel(
  s: PoolShape,
  reduce: (
    x: Int8Array,
    rowBase: number,
    h0: number,
    h1: number,
    w0: number,
    w1: number,
    y: Int8Array,
    out: number,
  ) => void,
): PreparedKernel {
  const { N, H, W, C, kH, kW, strideH, strideW, geo } = s;
  return {
    outputs: [{ dtype: 'int8', shape: [N, geo.outH, geo.outW, C] }],
    run([input], [output]) {
      const x = input as Int8Array;
      const y = output as Int8Array;
      for (let n = 0; n < N; n++) {
        for (let oh = 0; oh < geo.outH; oh++) {
          const top = oh * strideH - geo.padTop;
          const h0 = Math.max(0, top);
          const h1 = Math.min(H, top + kH);
          for (let ow = 0; ow < geo.outW; ow++) {
            const left = ow * strideW - geo.padLeft;
            const out = ((n * geo.outH + oh) * geo.outW + ow) * C;
            reduce(x, n * H * W * C, h0, h1, Math.max(0, left), Math.min(W, left + kW), y, out);
          }
        }
      }
    },
  };
}
