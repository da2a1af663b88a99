import { attrInt } from '../ir/attrs.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';

/** Gemm: Y[M, N] = alpha * A'[M, K] B'[K, N] + beta * C, A' and B' transposed by transA/transB. */
export default {
  opType: 'Gemm',
  inferShapes: (node, ctx) => {
    const a = shapeOf(ctx.inputTypes[0]);
    const b = shapeOf(ctx.inputTypes[1]);
    const m = a?.length === 2 ? a[attrInt(node, 'transA', 0) ? 1 : 0]! : null;
    const n = b?.length === 2 ? b[attrInt(node, 'transB', 0) ? 0 : 1]! : null;
    return [withShape(ctx.inputTypes[0], [m, n])];
  },
  quant: {
    activations: first,
    weight: (n, g) =>
      g.initializers.has(n.inputs[1]!) ? { index: 1, axis: attrInt(n, 'transB', 0) ? 0 : 1 } : undefined,
    bias: 2,
    output: 'calibrated',
  },
} satisfies OpDescriptor;
