import type { Dim } from '../ir/graph.js';
import { broadcastShapes, shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';

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
    output: 'calibrated',
  },
} satisfies OpDescriptor;
