import { attrFloat, attrInt } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/** BatchNormalization's epsilon (default 1e-5 in every version). */
export const bnEpsilon = (node: Node): number => attrFloat(node, 'epsilon', 1e-5);

/**
 * Whether the node computes the inference formula y = scale * (x - mean) / sqrt(var + eps) + B per
 * channel (axis 1): not training mode (BN-14 `training_mode`), not BN-1..6's per-element `spatial = 0`,
 * and none of the running-statistics outputs read (`isRead`).
 */
export function isInferenceBn(node: Node, isRead: (value: string) => boolean): boolean {
  if (attrInt(node, 'training_mode', 0) !== 0) return false;
  if (attrInt(node, 'spatial', 1) !== 1) return false;
  return node.outputs.slice(1).every((o) => o === '' || !isRead(o));
}

export default {
  opType: 'BatchNormalization',
  inferShapes: (node, ctx) => {
    const c = shapeOf(ctx.inputTypes[0])?.[1] ?? null;
    return node.outputs.map((_, i) => (i === 0 ? ctx.inputTypes[0] : withShape(ctx.inputTypes[1], [c])));
  },
} satisfies OpDescriptor;
