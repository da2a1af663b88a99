import type { Dim } from '../ir/graph.js';
import { broadcastShapes, shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { int } from '../ir/attrs.js';
import { floatConstant, int8Constant } from '../convert/lowering/constants.js';
import { fullyConnected } from '../convert/lowering/fc.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** numpy.matmul: 1-D operands gain and then lose a dim; batch dims broadcast. */
export function matmulShape(a: Dim[], b: Dim[]): Dim[] | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

/**
 * MatMul with constant 2-D B -> FULLY_CONNECTED (keep_num_dims for inputs above rank 2); with two
 * activations -> BATCH_MATMUL.
 */
const tflite = {
  layout: 'logical',
  int8: true,
  fusable: (node, s) => s.graph.initializers.get(node.inputs[1]!)?.dims.length === 2,
  lower(node, cx) {
    const b = cx.constant(1);
    if (b && b.dims.length === 2) {
      return fullyConnected(cx, { weights: b, transposed: false, keepNumDims: cx.inShape(0).length > 2 });
    }
    const rhs = b
      ? cx.addConstant(`${node.inputs[1]}_rhs`, cx.int8 ? int8Constant(b) : floatConstant(b))
      : cx.input(1);
    cx.emit('BATCH_MATMUL', [cx.input(0), rhs], [cx.output(0)], { adj_x: int(0), adj_y: int(0) });
  },
} satisfies TfliteLowering;

export default {
  opType: 'MatMul',
  inferShapes: (_node, ctx) => {
    const a = shapeOf(ctx.inputTypes[0]);
    const b = shapeOf(ctx.inputTypes[1]);
    return [withShape(ctx.inputTypes[0], a && b ? matmulShape(a, b) : undefined)];
  },
  quant: {
    activations: (n, g) => (g.initializers.has(n.inputs[1]!) ? [0] : [0, 1]),
    weight: (n, g) => {
      const w = g.initializers.get(n.inputs[1]!);
      return w && w.dims.length === 2 ? { index: 1, axis: 1 } : undefined;
    },
    accumulates: true,
    output: 'calibrated',
  },
  tflite,
  int16: true,
} satisfies OpDescriptor;
