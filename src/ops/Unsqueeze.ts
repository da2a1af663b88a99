import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { axesOf } from './common/axes.js';
import { normAxis } from './common/shape.js';
import { viewOp } from './common/view.js';

/** Unsqueeze inserts 1s at `axes`, which count in the output's rank. */
function unsqueezeDims(node: Node, shape: Dim[], axesIn: Tensor | undefined): Dim[] | undefined {
  const axes = axesOf(node, axesIn);
  if (!axes) return undefined;
  const rank = shape.length + axes.length;
  const at = new Set(axes.map((a) => normAxis(a, rank)));
  const rest = [...shape];
  return Array.from({ length: rank }, (_, i) => (at.has(i) ? 1 : (rest.shift() ?? null)));
}

export default viewOp('Unsqueeze', unsqueezeDims);
