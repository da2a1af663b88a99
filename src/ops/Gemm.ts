import { attrInt, attrFloat } from '../ir/attrs.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { fullyConnected } from '../convert/lowering/fc.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Gemm -> FULLY_CONNECTED: B [K, N] (transB = 0) is transposed to TFLite's [N, K], alpha folds into the
 * weight scales (int8) or values, beta * C into the bias (C must be one constant per column).
 */
const tflite = {
  layout: 'logical',
  int8: true,
  fusable: (node, s) => biasFits(node.inputs[2], s.graph.initializers.get(node.inputs[2] ?? '')?.dims),
  lower(node, cx) {
    const b = cx.constant(1);
    const c = cx.constant(2);
    if (!b || attrInt(node, 'transA', 0) || !biasFits(node.inputs[2], c?.dims)) {
      throw new UnsupportedOpError(
        node.name,
        'Gemm',
        ['Gemm (transA = 0, constant B, C absent or a constant of one value per column)'],
        'in TFLite conversion',
      );
    }
    fullyConnected(cx, {
      weights: b,
      transposed: attrInt(node, 'transB', 0) === 1,
      bias: c,
      alpha: attrFloat(node, 'alpha', 1),
      beta: attrFloat(node, 'beta', 1),
    });
  },
} satisfies TfliteLowering;

/** C is absent, or a constant of one value per output column: [], [1], [N] or [1, N]. */
function biasFits(name: string | undefined, dims: readonly number[] | undefined): boolean {
  if (!name) return true;
  if (!dims) return false;
  return dims.length <= 1 || (dims.length === 2 && dims[0] === 1);
}

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
    accumulates: true,
    output: 'calibrated',
  },
  tflite,
  int16: true,
} satisfies OpDescriptor;
