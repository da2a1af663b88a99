import { storedType } from '../quant-util.js';
import { attrInts, attrString, int } from '../../ir/attrs.js';
import type { Attribute, Node } from '../../ir/graph.js';
import type { LowerContext } from './types.js';
import { int32s } from './constants.js';

/** TFLite `Padding` (schema.fbs). */
export const PADDING = { SAME: 0, VALID: 1 } as const;

/** A 2-D window: ONNX pads as [top, left, bottom, right]. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
}

const extent = (w: Window, i: number) => (w.kernel[i]! - 1) * w.dilations[i]! + 1;

/** The window of a Conv/pool over input spatial dims `inHW`, with auto_pad resolved to pads. */
export function windowOf(node: Node, inHW: number[], kernel: number[]): Window {
  const w: Window = {
    kernel,
    strides: attrInts(node, 'strides', [1, 1]),
    dilations: attrInts(node, 'dilations', [1, 1]),
    pads: attrInts(node, 'pads', [0, 0, 0, 0]),
  };
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (auto === 'VALID') w.pads = [0, 0, 0, 0];
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const totals = inHW.map((n, i) => sameTotal(n, w, i));
    const begin = totals.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    w.pads = [...begin, ...totals.map((t, i) => t - begin[i]!)];
  }
  return w;
}

function sameTotal(n: number, w: Window, i: number): number {
  const out = Math.ceil(n / w.strides[i]!);
  return Math.max(0, (out - 1) * w.strides[i]! + extent(w, i) - n);
}

/**
 * TFLite's padding for this window when it computes the same thing: VALID for no padding, SAME when the
 * pads are TensorFlow's (the odd pixel at the end); undefined otherwise.
 */
export function tfPadding(w: Window, inHW: number[], outHW: number[]): number | undefined {
  const valid = inHW.every((n, i) => outHW[i] === Math.floor((n - extent(w, i)) / w.strides[i]!) + 1);
  if (valid && w.pads.every((p) => p === 0)) return PADDING.VALID;
  const same = inHW.every((n, i) => {
    const total = sameTotal(n, w, i);
    const before = Math.floor(total / 2);
    return (
      outHW[i] === Math.ceil(n / w.strides[i]!) && w.pads[i] === before && w.pads[i + 2] === total - before
    );
  });
  return same ? PADDING.SAME : undefined;
}

/** Explicit padding before a VALID window: PAD with zeros (int8: the zero point, which is real 0). */
export function padSpatial(cx: LowerContext, x: string, pads: number[]): string {
  const [n, h, wd, c] = nhwcOf(cx.inShape(0));
  const [t, l, b, r] = pads as [number, number, number, number];
  const paddings = cx.addConstant(`${x}_paddings`, int32s([0, 0, t, b, l, r, 0, 0], [4, 2]));
  const params = cx.inParams(0);
  const out = cx.addValue(`${x}_padded`, storedType(params), [n, h + t + b, wd + l + r, c], params);
  cx.emit('PAD', [x, paddings], [out]);
  return out;
}

const nhwcOf = (nchw: number[]) => [nchw[0]!, nchw[2]!, nchw[3]!, nchw[1]!] as const;

/** Pool2DOptions / Conv2DOptions fields shared by the window ops. */
export function windowAttrs(w: Window, padding: number, activation: number): Record<string, Attribute> {
  return {
    padding: int(padding),
    stride_w: int(w.strides[1]!),
    stride_h: int(w.strides[0]!),
    fused_activation_function: int(activation),
  };
}
