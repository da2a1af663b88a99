import { int } from '../../ir/attrs.js';
import type { LowerContext } from './types.js';
import { int32s } from './constants.js';

/** A slice along logical axes: ONNX-clamped begin/end/step per axis. */
export interface AxisSlice {
  axis: number;
  begin: number;
  end: number;
  step: number;
}

/** ONNX Slice's clamping (negative indices count from the end; a negative step may end before 0). */
export function clampSlice(dim: number, start: number, end: number, step: number): [number, number] {
  const norm = (v: number) => (v < 0 ? v + dim : v);
  if (step > 0) return [Math.min(Math.max(norm(start), 0), dim), Math.min(Math.max(norm(end), 0), dim)];
  return [Math.min(Math.max(norm(start), 0), dim - 1), Math.min(Math.max(norm(end), -1), dim - 1)];
}

/**
 * STRIDED_SLICE of input 0 into `out`, physical axes in the input's layout. An end of -1 (a negative
 * step running to the start) is said by end_mask, since TFLite reads -1 as "the last element".
 */
export function stridedSlice(cx: LowerContext, slices: AxisSlice[], out: string): void {
  const shape = cx.inShape(0);
  const perm = cx.inPerm(0);
  const begin = perm.map(() => 0);
  const end = perm.map((a) => shape[a]!);
  const strides = perm.map(() => 1);
  let endMask = 0;
  for (const s of slices) {
    const j = perm.indexOf(s.axis);
    [begin[j], end[j], strides[j]] = [s.begin, s.end, s.step];
    if (s.end < 0) endMask |= 1 << j;
  }
  emitStridedSlice(cx, cx.input(0), { begin, end, strides, endMask }, out);
}

/** STRIDED_SLICE of `input` into `out` by physical begin/end/strides (constants named after `out`). */
export function emitStridedSlice(
  cx: LowerContext,
  input: string,
  s: { begin: number[]; end: number[]; strides: number[]; endMask?: number },
  out: string,
): void {
  const name = (what: string, v: number[]) => cx.addConstant(`${out}_${what}`, int32s(v));
  cx.emit(
    'STRIDED_SLICE',
    [input, name('begin', s.begin), name('end', s.end), name('strides', s.strides)],
    [out],
    {
      begin_mask: int(0),
      end_mask: int(s.endMask ?? 0),
      ellipsis_mask: int(0),
      new_axis_mask: int(0),
      shrink_axis_mask: int(0),
      offset: int(0),
    },
  );
}
