import { UnsupportedOpError } from '../../errors.js';
import { attrFloat, attrInt } from '../../ir/attrs.js';
import { fullyConnected } from './common/fc.js';
import type { OpMapping } from './types.js';

/**
 * Gemm -> FULLY_CONNECTED: B [K, N] (transB = 0) is transposed to TFLite's [N, K], alpha folds into the
 * weight scales (int8) or values, beta * C into the bias (C must be one constant per column).
 */
export default {
  opType: 'Gemm',
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
} satisfies OpMapping;

/** C is absent, or a constant of one value per output column: [], [1], [N] or [1, N]. */
function biasFits(name: string | undefined, dims: readonly number[] | undefined): boolean {
  if (!name) return true;
  if (!dims) return false;
  return dims.length <= 1 || (dims.length === 2 && dims[0] === 1);
}
