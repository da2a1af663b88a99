import { attrInt, int } from '../ir/attrs.js';
import type { Dim } from '../ir/graph.js';
import { Tensor, elementCount } from '../ir/tensor.js';
import { computable, makeTensor, values } from './common/compute.js';
import { normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { allInputs } from './common/quant.js';
import { operand, physicalAxisOf } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

function concatShapes(shapes: Dim[][], axis: number): Dim[] | undefined {
  const rank = shapes[0]!.length;
  const a = normAxis(axis, rank);
  if (a === undefined || shapes.some((s) => s.length !== rank)) return undefined;
  return shapes[0]!.map((_, k) => {
    const dims = shapes.map((s) => s[k]!);
    if (k === a)
      return dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((x, y) => x + y, 0) : null;
    return dims.find((d) => typeof d === 'number') ?? (dims.every((d) => d === dims[0]) ? dims[0]! : null);
  });
}

/** Concat -> CONCATENATION on the physical axis; constant inputs at the output's parameters. */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const inputs = node.inputs.map((_, i) => operand(cx, i, cx.outParams(0)));
    const axis = physicalAxisOf(attrInt(node, 'axis', 0), cx.outPerm(0));
    cx.emit('CONCATENATION', inputs, [cx.output(0)], { axis: int(axis), fused_activation_function: int(0) });
  },
} satisfies TfliteLowering;

export default {
  opType: 'Concat',
  inferShapes: (node, ctx) => {
    const shapes = ctx.inputTypes.map(shapeOf);
    const known = shapes.every((s) => s) && shapes.length > 0;
    return [
      withShape(
        ctx.inputTypes[0],
        known ? concatShapes(shapes as Dim[][], attrInt(node, 'axis', 0)) : undefined,
      ),
    ];
  },
  evaluate: (node, inputs) => {
    const ts = inputs as Tensor[];
    const dims = concatShapes(
      ts.map((t) => [...t.dims]),
      attrInt(node, 'axis', 0),
    ) as number[] | undefined;
    if (!dims || !computable(ts[0]!.dtype)) throw new NotEvaluable(node, 'inputs do not concatenate');
    const a = normAxis(attrInt(node, 'axis', 0), dims.length)!;
    const outer = elementCount(dims.slice(0, a));
    const parts = ts.map((t) => ({ v: values(node, t), inner: elementCount(t.dims.slice(a)) }));
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const p of parts) for (let i = 0; i < p.inner; i++) out.push(p.v[o * p.inner + i]!);
    return [makeTensor(ts[0]!.dtype, dims, out)];
  },
  quant: { activations: allInputs, output: 'calibrated' },
  tflite,
  nonNegative: 'if-all-inputs',
} satisfies OpDescriptor;
