import { attrInt, attrInts, int } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { pick, strides } from './common/compute.js';
import { constInts, normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { int32s, physicalAxisOf } from '../convert/lowering/constants.js';
import { stridedSlice } from '../convert/lowering/slice.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Part sizes along the axis: attribute `split` (Split-1/2/11), input 1 (Split-13+), or equal parts (the
 * last one smaller under Split-18's `num_outputs`).
 */
function splitSizes(node: Node, dim: Dim, splitIn: Tensor | undefined): number[] | undefined {
  const given = attrInts(node, 'split') ?? (node.inputs[1] ? constInts(splitIn) : undefined);
  if (given) return given;
  if (node.inputs[1]) return undefined;
  if (typeof dim !== 'number') return undefined;
  const n = node.outputs.length;
  const part = attrInt(node, 'num_outputs') !== undefined ? Math.ceil(dim / n) : dim / n;
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
}

/** Split -> SPLIT into equal parts, else one STRIDED_SLICE per part (TFLite int8 spec: shared parameters). */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const rank = cx.inShape(0).length;
    const axisAttr = attrInt(node, 'axis', 0);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    const sizes = node.outputs.map((_, i) => cx.outShape(i)[axis]!);
    if (sizes.every((s) => s === sizes[0])) {
      const axisName = cx.addConstant(`split_axis_${axis}`, int32s([physicalAxisOf(axis, cx.inPerm(0))], []));
      const outputs = node.outputs.map((_, i) => cx.output(i));
      return cx.emit('SPLIT', [axisName, cx.input(0)], outputs, { num_splits: int(sizes.length) });
    }
    let begin = 0;
    sizes.forEach((size, i) => {
      stridedSlice(cx, [{ axis, begin, end: begin + size, step: 1 }], cx.output(i));
      begin += size;
    });
  },
} satisfies TfliteLowering;

export default {
  opType: 'Split',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    const axis = shape && normAxis(attrInt(node, 'axis', 0), shape.length);
    if (!shape || axis === undefined) return node.outputs.map(() => withShape(ctx.inputTypes[0], undefined));
    const sizes = splitSizes(node, shape[axis]!, ctx.constants[1]);
    return node.outputs.map((_, i) =>
      withShape(
        ctx.inputTypes[0],
        shape.map((d, k) => (k === axis ? (sizes?.[i] ?? null) : d)),
      ),
    );
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
    const sizes = axis === undefined ? undefined : splitSizes(node, x.dims[axis]!, inputs[1]);
    if (axis === undefined || !sizes) throw new NotEvaluable(node, 'split unknown');
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = strides(x.dims)[axis]!;
    let offset = 0;
    return sizes.map((size) => {
      const index: number[] = [];
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < size * inner; i++) index.push(o * x.dims[axis]! * inner + offset * inner + i);
      offset += size;
      return pick(
        x,
        x.dims.map((d, k) => (k === axis ? size : d)),
        index,
      );
    });
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
