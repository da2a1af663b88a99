import { attrInt } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { shapeOf, tensorType } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/** Shape-15's optional `start`/`end` select a slice of the dims (negative counts from the end, clamped). */
export function shapeSlice<T>(node: Node, dims: readonly T[]): T[] {
  const r = dims.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  return dims.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', r)));
}

export default {
  opType: 'Shape',
  outputDType: 'int64',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    return [tensorType('int64', shape ? [shapeSlice<Dim>(node, shape).length] : [null])];
  },
  evaluate: (node, inputs) => {
    const dims = shapeSlice(node, inputs[0]!.dims);
    return [Tensor.int64([dims.length], dims)];
  },
} satisfies OpDescriptor;
