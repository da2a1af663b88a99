import { attrInt, int } from '../ir/attrs.js';
import { pick, strides } from './common/compute.js';
import { constInts, normAxis, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { Tensor } from '../ir/tensor.js';
import { floatConstant, int8Constant } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Gather -> GATHER (indices int32 or int64 as given). An embedding table stays int8 with its QDQ
 * parameters, which the output shares (TFLite int8 spec).
 */
const tflite = {
  layout: 'logical',
  int8: true,
  lower(node, cx) {
    const table = cx.constant(0);
    const data = table
      ? cx.addConstant(
          `${node.inputs[0]}_${cx.int8 ? 'int8' : 'float'}`,
          cx.int8 ? int8Constant(table, cx.outParams(0)) : floatConstant(table),
        )
      : cx.input(0);
    const idx = cx.constant(1);
    const indices = idx
      ? cx.addConstant(`${node.inputs[1]}_i32`, Tensor.int32(idx.dims, idx.toNumbers()))
      : cx.input(1);
    const rank = cx.inShape(0).length;
    const axis = attrInt(node, 'axis', 0);
    cx.emit('GATHER', [data, indices], [cx.output(0)], {
      axis: int(axis < 0 ? axis + rank : axis),
      batch_dims: int(0),
    });
  },
} satisfies TfliteLowering;

/** Gather: out = data.shape[:axis] + indices.shape + data.shape[axis+1:]; negative indices count back. */
export default {
  opType: 'Gather',
  inferShapes: (node, ctx) => {
    const data = shapeOf(ctx.inputTypes[0]);
    const idx = shapeOf(ctx.inputTypes[1]);
    const axis = data && normAxis(attrInt(node, 'axis', 0), data.length);
    if (!data || !idx || axis === undefined) return [withShape(ctx.inputTypes[0], undefined)];
    return [withShape(ctx.inputTypes[0], [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)])];
  },
  evaluate: (node, inputs) => {
    const [x, ind] = [inputs[0]!, inputs[1]!];
    const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
    const idx = constInts(ind);
    if (axis === undefined || !idx) throw new NotEvaluable(node, 'bad axis or indices');
    const dim = x.dims[axis]!;
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = strides(x.dims)[axis]!;
    const index: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const j of idx) {
        const k = j < 0 ? j + dim : j;
        if (k < 0 || k >= dim) throw new NotEvaluable(node, `index ${j} out of range`);
        for (let i = 0; i < inner; i++) index.push((o * dim + k) * inner + i);
      }
    const dims = [...x.dims.slice(0, axis), ...ind.dims, ...x.dims.slice(axis + 1)];
    return [pick(x, dims, index)];
  },
  quant: {
    // An embedding lookup: the table is an int8 weight, the indices stay integers.
    activations: (n, g) => (g.initializers.has(n.inputs[0]!) ? [] : [0]),
    weight: (n, g) => (g.initializers.has(n.inputs[0]!) ? { index: 0, axis: -1 } : undefined),
    output: 'same-as-input',
  },
  tflite,
} satisfies OpDescriptor;
