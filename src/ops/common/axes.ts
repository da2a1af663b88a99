import { attrInts } from '../../ir/attrs.js';
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { constInts } from './shape.js';

/**
 * The `axes` of Squeeze/Unsqueeze/Reduce*: an attribute before the opset that moved it to an input
 * (Squeeze/Unsqueeze/ReduceSum 13, the other Reduce ops 18), an input after. Which form a node uses is
 * plain from the node itself. `null` = no axes given; undefined = given as a non-constant input.
 */
export function axesOf(
  node: Node,
  axesInput: Tensor | undefined,
  inputIndex = 1,
): number[] | null | undefined {
  const attr = attrInts(node, 'axes');
  if (attr) return attr;
  if (!node.inputs[inputIndex]) return null;
  return constInts(axesInput);
}
