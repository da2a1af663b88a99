import { attrInt } from '../../../../ir/attrs.js';
import type { KernelContext } from '../../types.js';
import { KernelError } from './params.js';

/** TFLite Padding codes (schema.fbs). */
export const PADDING = { SAME: 0, VALID: 1 } as const;

export interface Window {
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
  /** Rows/columns past the input's end that some window reads (SAME padding's trailing side). */
  padBottom: number;
  padRight: number;
}

export interface WindowAttrs {
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padding: number;
}

/** Strides, dilations and padding of a conv or pool node (filter size from the caller). */
export function windowAttrs(cx: KernelContext, kH: number, kW: number): WindowAttrs {
  const n = cx.node;
  const a: WindowAttrs = {
    kH,
    kW,
    strideH: attrInt(n, 'stride_h', 1),
    strideW: attrInt(n, 'stride_w', 1),
    dilationH: attrInt(n, 'dilation_h_factor', 1),
    dilationW: attrInt(n, 'dilation_w_factor', 1),
    padding: attrInt(n, 'padding', PADDING.SAME),
  };
  if (a.strideH < 1 || a.strideW < 1 || a.dilationH < 1 || a.dilationW < 1)
    throw new KernelError(cx, 'strides and dilations must be positive');
  if (a.padding !== PADDING.SAME && a.padding !== PADDING.VALID)
    throw new KernelError(cx, `padding ${a.padding} is not SAME (0) or VALID (1)`);
  return a;
}

/** Output size and padding as TFLite computes them (ComputePaddingHeightWidth: the odd pixel goes after). */
export function windowGeometry(inH: number, inW: number, a: WindowAttrs): Window {
  const effH = (a.kH - 1) * a.dilationH + 1;
  const effW = (a.kW - 1) * a.dilationW + 1;
  const out = (size: number, eff: number, stride: number) =>
    a.padding === PADDING.SAME
      ? Math.ceil(size / stride)
      : Math.max(0, Math.floor((size - eff + stride) / stride));
  const outH = out(inH, effH, a.strideH);
  const outW = out(inW, effW, a.strideW);
  const before = (o: number, stride: number, eff: number, size: number) =>
    Math.floor(Math.max(0, (o - 1) * stride + eff - size) / 2);
  const padTop = before(outH, a.strideH, effH, inH);
  const padLeft = before(outW, a.strideW, effW, inW);
  return {
    outH,
    outW,
    padTop,
    padLeft,
    padBottom: Math.max(0, (outH - 1) * a.strideH + effH - padTop - inH),
    padRight: Math.max(0, (outW - 1) * a.strideW + effW - padLeft - inW),
  };
}

/**
 * One NHWC int8 image inside a border of the input's zero point, so that conv loops read every tap
 * without bounds checks (a tap in the border reads z_in, which the zero-point correction
 * Σ(x - z) w = Σ x w - z Σw cancels). The buffer is int8 (for WebAssembly) or doubles (JS loops,
 * packed.ts), owned here or a view the caller passes (WebAssembly memory).
 */
export class PaddedImage {
  readonly height: number;
  readonly width: number;

  constructor(
    private readonly inH: number,
    private readonly inW: number,
    private readonly channels: number,
    private readonly w: Window,
    readonly fill: number,
  ) {
    this.height = inH + w.padTop + w.padBottom;
    this.width = inW + w.padLeft + w.padRight;
  }

  get size(): number {
    return this.height * this.width * this.channels;
  }

  /** A buffer of this image's size, border (and all) set to the zero point. */
  allocate<T extends Int8Array | Float64Array>(Ctor: new (n: number) => T): T {
    const buffer = new Ctor(this.size);
    buffer.fill(this.fill);
    return buffer;
  }

  /**
   * Sets the border of `buffer` (a buffer at least this image's size, whose border other kernels may have
   * written: the arena's shared scratch) to the zero point; the interior is left to `load`.
   */
  border<T extends Int8Array | Float64Array>(buffer: T): T {
    const { padTop, padBottom, padLeft, padRight } = this.w;
    const row = this.width * this.channels;
    const [left, right] = [padLeft * this.channels, padRight * this.channels];
    buffer.fill(this.fill, 0, padTop * row);
    buffer.fill(this.fill, (this.height - padBottom) * row, this.height * row);
    if (left || right)
      for (let h = padTop; h < this.height - padBottom; h++) {
        if (left) buffer.fill(this.fill, h * row, h * row + left);
        if (right) buffer.fill(this.fill, (h + 1) * row - right, (h + 1) * row);
      }
    return buffer;
  }

  /**
   * Copies image `batch` of x into the interior of `buffer` (whose border keeps the zero point), a row
   * at a time as one block copy (byte by byte, PP-OCRv4 det's loads were 8% of a device run at 640x640).
   */
  load<T extends Int8Array | Float64Array>(x: Int8Array, batch: number, buffer: T): T {
    const row = this.inW * this.channels;
    for (let h = 0; h < this.inH; h++) {
      const from = batch * this.inH * row + h * row;
      const to = ((h + this.w.padTop) * this.width + this.w.padLeft) * this.channels;
      buffer.set(x.subarray(from, from + row), to);
    }
    return buffer;
  }
}
