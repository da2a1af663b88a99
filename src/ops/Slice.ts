import { attrInts } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { pick, strides } from './common/compute.js';
import { constInts, normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { clampSlice, stridedSlice, type AxisSlice } from '../convert/lowering/slice.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

interface Range1 {
  axis: number;
  start: number;
  end: number;
  step: number;
}

/** Slice-1 takes starts/ends/axes as attributes; Slice-10+ as inputs 1-4 (axes and steps optional). */
function sliceParams(node: Node, consts: (Tensor | undefined)[], rank: number): Range1[] | undefined {
  const fromAttr = attrInts(node, 'starts') !== undefined;
  const get = (attr: string, i: number) =>
    fromAttr ? attrInts(node, attr) : node.inputs[i] ? constInts(consts[i]) : null;
  const starts = get('starts', 1);
  const ends = get('ends', 2);
  const axes = get('axes', 3);
  const steps = fromAttr ? null : get('', 4);
  if (!starts || !ends || axes === undefined || steps === undefined) return undefined;
  const out: Range1[] = [];
  for (let i = 0; i < starts.length; i++) {
    const axis = normAxis(axes ? axes[i]! : i, rank);
    if (axis === undefined) return undefined;
    out.push({ axis, start: starts[i]!, end: ends[i]!, step: steps ? steps[i]! : 1 });
  }
  return out;
}

/** The clamped start and element count along one axis of size `dim` (ONNX Slice semantics). */
export function sliceAxis(r: Range1, dim: number): { start: number; count: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + dim : v));
  if (r.step > 0) {
    const start = clamp(r.start, 0, dim);
    return { start, count: Math.max(0, Math.ceil((clamp(r.end, 0, dim) - start) / r.step)) };
  }
  const start = clamp(r.start, 0, dim - 1);
  return { start, count: Math.max(0, Math.ceil((start - clamp(r.end, -1, dim - 1)) / -r.step)) };
}

function sliceDims(shape: Dim[], ranges: Range1[]): Dim[] {
  const out = [...shape];
  for (const r of ranges) {
    const d = shape[r.axis];
    const whole = r.start === 0 && r.step === 1 && r.end >= 2 ** 31 - 1;
    out[r.axis] = typeof d === 'number' ? sliceAxis(r, d).count : whole ? (d ?? null) : null;
  }
  return out;
}

/** Slice (constant starts/ends/axes/steps) -> STRIDED_SLICE in the input's layout. */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const get = (i: number) => (node.inputs[i] ? cx.constant(i)?.toNumbers() : undefined);
    const [starts, ends] = [get(1), get(2)];
    if (!starts || !ends || (node.inputs[3] && !get(3)) || (node.inputs[4] && !get(4))) {
      throw new UnsupportedOpError(
        node.name,
        'Slice',
        ['Slice (constant starts, ends, axes, steps)'],
        'in TFLite conversion',
      );
    }
    const shape = cx.inShape(0);
    const axes = get(3) ?? starts.map((_, i) => i);
    const steps = get(4) ?? starts.map(() => 1);
    const slices: AxisSlice[] = axes.map((a, i) => {
      const axis = a < 0 ? a + shape.length : a;
      const [begin, end] = clampSlice(shape[axis]!, starts[i]!, ends[i]!, steps[i]!);
      return { axis, begin, end, step: steps[i]! };
    });
    stridedSlice(cx, slices, cx.output(0));
  },
} satisfies TfliteLowering;

export default {
  opType: 'Slice',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    const ranges = shape && sliceParams(node, ctx.constants, shape.length);
    return [withShape(ctx.inputTypes[0], shape && ranges ? sliceDims(shape, ranges) : undefined)];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const ranges = sliceParams(node, inputs, x.dims.length);
    if (!ranges) throw new NotEvaluable(node, 'parameters unknown');
    const per = x.dims.map((d) => ({ start: 0, count: d, step: 1 }));
    for (const r of ranges) per[r.axis] = { ...sliceAxis(r, x.dims[r.axis]!), step: r.step };
    const dims = per.map((p) => p.count);
    const src = strides(x.dims);
    let index = [0];
    per.forEach((p, k) => {
      const next: number[] = [];
      for (const base of index)
        for (let i = 0; i < p.count; i++) next.push(base + (p.start + i * p.step) * src[k]!);
      index = next;
    });
    return [pick(x, dims, index)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
