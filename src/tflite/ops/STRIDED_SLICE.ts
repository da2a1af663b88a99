import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../../runtime/integer/types.js';
import { constantInts, KernelError, sizeOf } from '../../runtime/integer/kernels/common/params.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is, opt, rank } from './common/version.js';

/** What one input axis contributes: `size` elements from `start`, `step` apart; `keep` false when shrunk. */
interface AxisRange {
  start: number;
  size: number;
  step: number;
  keep: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * One axis as TFLite's strided_slice_logic.h resolves it: a masked begin/end is the fullest range in the
 * stride's direction; negatives count from the end; both are clamped to [0, dim] (stride > 0) or
 * [-1, dim - 1] (stride < 0). A shrunk axis takes the one element at begin (begin_mask: the first) and
 * drops the axis; TensorFlow requires a positive stride there ("only stride 1 allowed on non-range
 * indexing"), so a non-positive one is refused rather than guessed.
 */
function axisRange(
  cx: KernelContext,
  dim: number,
  spec: {
    begin: number;
    end: number;
    stride: number;
    beginMasked: boolean;
    endMasked: boolean;
    shrink: boolean;
  },
): AxisRange {
  const { begin, end, stride } = spec;
  if (stride === 0) throw new KernelError(cx, 'a stride of 0');
  if (spec.shrink) {
    if (stride < 0) throw new KernelError(cx, `shrink_axis_mask with stride ${stride}`);
    const at = spec.beginMasked ? 0 : begin < 0 ? begin + dim : begin;
    if (at < 0 || at >= dim) throw new KernelError(cx, `shrunk index ${begin} is out of [0, ${dim})`);
    return { start: at, size: 1, step: 1, keep: false };
  }
  const [lo, hi] = stride > 0 ? [0, dim] : [-1, dim - 1];
  const resolve = (v: number, masked: boolean, full: number) =>
    masked ? full : clamp(v < 0 ? v + dim : v, lo, hi);
  const start = resolve(begin, spec.beginMasked, stride > 0 ? 0 : dim - 1);
  const stop = resolve(end, spec.endMasked, stride > 0 ? dim : -1);
  const size = Math.max(0, Math.ceil((stop - start) / stride));
  return { start, size, step: stride, keep: true };
}

/**
 * NumPy-style x[begin:end:stride, ...] with TFLite's masks (bit i refers to spec i, the i-th entry of
 * begin/end/strides): begin_mask/end_mask (fullest range), shrink_axis_mask (index, axis dropped),
 * new_axis_mask (a new axis of 1; begin/end/stride ignored), ellipsis_mask (as many full axes as the specs
 * leave out); axes after the last spec are taken whole. Pure data movement: the output keeps the input's
 * parameters (sameAsInput), so the copy is exact in any arithmetic. `offset` (version 8: end relative to
 * begin) is refused: no converter we read writes it.
 */
const kernel: IntegerKernel = {
  opType: 'STRIDED_SLICE',
  prepare(cx) {
    const x = cx.inputs[0];
    if (!x) throw new KernelError(cx, 'input 0 is missing');
    const begin = constantInts(cx, 1, 'begin');
    const end = constantInts(cx, 2, 'end');
    const strides = cx.inputs[3]?.name ? constantInts(cx, 3, 'strides') : begin.map(() => 1);
    const specs = begin.length;
    if (end.length !== specs || strides.length !== specs)
      throw new KernelError(
        cx,
        `begin/end/strides lengths differ (${specs}, ${end.length}, ${strides.length})`,
      );
    if (attrInt(cx.node, 'offset', 0))
      throw new KernelError(cx, 'offset (end relative to begin) is not supported');
    const mask = (name: string) => attrInt(cx.node, name, 0);
    const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = [
      'begin_mask',
      'end_mask',
      'ellipsis_mask',
      'new_axis_mask',
      'shrink_axis_mask',
    ].map(mask) as [number, number, number, number, number];
    const bit = (m: number, i: number) => ((m >> i) & 1) === 1;
    const rank = x.shape.length;
    // Specs that consume an input axis: all but new axes and the ellipsis.
    let consuming = 0;
    for (let i = 0; i < specs; i++) if (!bit(newAxisMask, i) && !bit(ellipsisMask, i)) consuming++;
    const ranges: AxisRange[] = [];
    const shape: number[] = [];
    const full = (d: number): AxisRange => ({ start: 0, size: x.shape[d]!, step: 1, keep: true });
    let ellipsisSeen = false;
    for (let i = 0; i < specs; i++) {
      if (bit(ellipsisMask, i)) {
        if (ellipsisSeen) throw new KernelError(cx, 'more than one ellipsis');
        ellipsisSeen = true;
        for (let k = 0; k < rank - consuming; k++) {
          ranges.push(full(ranges.length));
          shape.push(x.shape[ranges.length - 1]!);
        }
      } else if (bit(newAxisMask, i)) {
        shape.push(1);
      } else {
        const d = ranges.length;
        if (d >= rank) throw new KernelError(cx, `${specs} slice specs for rank ${rank}`);
        const r = axisRange(cx, x.shape[d]!, {
          begin: begin[i]!,
          end: end[i]!,
          stride: strides[i]!,
          beginMasked: bit(beginMask, i),
          endMasked: bit(endMask, i),
          shrink: bit(shrinkMask, i),
        });
        ranges.push(r);
        if (r.keep) shape.push(r.size);
      }
    }
    while (ranges.length < rank) {
      ranges.push(full(ranges.length));
      shape.push(x.shape[ranges.length - 1]!);
    }
    const inStride = new Array<number>(rank).fill(1);
    for (let d = rank - 2; d >= 0; d--) inStride[d] = inStride[d + 1]! * x.shape[d + 1]!;
    let base = 0;
    for (let d = 0; d < rank; d++) base += ranges[d]!.start * inStride[d]!;
    const sizes = ranges.map((r) => r.size);
    const step = ranges.map((r, d) => r.step * inStride[d]!);
    const total = sizeOf(sizes);
    return {
      outputs: [{ dtype: x.dtype, shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        if (total === 0) return;
        if (rank === 0) {
          dst[0] = src[0]!;
          return;
        }
        // Walk the output in order; the innermost axis is one contiguous run when its step is 1.
        const inner = sizes[rank - 1]!;
        const innerStep = step[rank - 1]!;
        const index = new Array<number>(rank).fill(0);
        let from = base;
        for (let o = 0; o < total; o += inner) {
          if (innerStep === 1) dst.set(src.subarray(from, from + inner), o);
          else for (let j = 0, f = from; j < inner; j++, f += innerStep) dst[o + j] = src[f]!;
          for (let d = rank - 2; d >= 0; d--) {
            index[d]!++;
            from += step[d]!;
            if (index[d]! < sizes[d]!) break;
            from -= step[d]! * index[d]!;
            index[d] = 0;
          }
        }
      },
    };
  },
};

export const STRIDED_SLICE = defineBuiltin({
  name: 'STRIDED_SLICE',
  options: optionsTable('StridedSliceOptions', [
    field('begin_mask', 'int'),
    field('end_mask', 'int'),
    field('ellipsis_mask', 'int'),
    field('new_axis_mask', 'int'),
    field('shrink_axis_mask', 'int'),
    field('offset', 'bool'),
  ]),
  version: first(
    [(s) => opt(s, 'offset') === true, 8],
    [(s) => is(inp(s, 0), 'UINT32'), 7],
    [(s) => !!opt(s, 'ellipsis_mask') || !!opt(s, 'new_axis_mask'), 6],
    [(s) => is(inp(s, 0), 'STRING'), 5],
    [(s) => rank(inp(s, 0)) > 4, 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
  kernel,
});
