import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { axesOf } from './common/axes.js';
import { normAxis } from './common/shape.js';
import { viewOp } from './common/view.js';

/** Squeeze drops the listed axes, or without axes every dim that is 1 (then every dim must be known). */
function squeezeDims(node: Node, shape: Dim[], axesIn: Tensor | undefined): Dim[] | undefined {
  const axes = axesOf(node, axesIn);
  if (axes === undefined) return undefined;
  if (axes === null)
    return shape.some((d) => typeof d !== 'number') ? undefined : shape.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => normAxis(a, shape.length)));
  return shape.filter((_, i) => !drop.has(i));
}

export default viewOp('Squeeze', squeezeDims);
