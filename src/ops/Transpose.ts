import { attrInts } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { pick, strides } from './common/compute.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { aliasLowering } from '../convert/lowering/reshape.js';

/** `perm`, reversing the axes by default. */
export function transposePerm(node: Node, rank: number): number[] {
  return attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

export function transposeTensor(x: Tensor, perm: number[]): Tensor {
  const dims = perm.map((p) => x.dims[p]!);
  const src = strides(x.dims);
  const out = strides(dims);
  const n = x.size;
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let idx = 0;
    for (let k = 0; k < dims.length; k++) {
      const c = Math.floor(rem / out[k]!);
      rem -= c * out[k]!;
      idx += c * src[perm[k]!]!;
    }
    index[i] = idx;
  }
  return pick(x, dims, index);
}

/** Transpose: relabels the layout (src/convert/layout.ts); a TRANSPOSE appears only where a reader needs one. */
const tflite = aliasLowering();

export default {
  opType: 'Transpose',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    return [
      withShape(
        ctx.inputTypes[0],
        shape ? transposePerm(node, shape.length).map((p) => shape[p] ?? null) : undefined,
      ),
    ];
  },
  evaluate: (node, inputs) => [transposeTensor(inputs[0]!, transposePerm(node, inputs[0]!.dims.length))],
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  resultView: true,
  movesData: true,
  int16: true,
} satisfies OpDescriptor;
