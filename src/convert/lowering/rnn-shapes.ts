import { attrInt, attrString } from '../../ir/attrs.js';
import type { Dim, Node, ValueType } from '../../ir/graph.js';
import { shapeOf, withShape } from '../../ops/common/shape.js';
import type { ShapeContext } from '../../ops/types.js';

/**
 * LSTM/GRU outputs (ONNX spec, layout 0): Y [T, D, B, H], Y_h and Y_c [D, B, H] (layout 1: [B, T, D, H]
 * and [B, D, H]); D = 2 when bidirectional.
 */
export function rnnShapes(node: Node, ctx: ShapeContext): (ValueType | undefined)[] {
  const x = shapeOf(ctx.inputTypes[0]);
  const r = shapeOf(ctx.inputTypes[2]);
  const h: Dim = attrInt(node, 'hidden_size') ?? r?.[2] ?? null;
  const d = attrString(node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  const batchFirst = attrInt(node, 'layout', 0) === 1;
  if (!x) return node.outputs.map(() => withShape(ctx.inputTypes[0], undefined));
  const [t, b] = batchFirst ? [x[1] ?? null, x[0] ?? null] : [x[0] ?? null, x[1] ?? null];
  const y: Dim[] = batchFirst ? [b, t, d, h] : [t, d, b, h];
  const state: Dim[] = batchFirst ? [b, d, h] : [d, b, h];
  return node.outputs.map((_, i) => withShape(ctx.inputTypes[0], i === 0 ? y : state));
}
