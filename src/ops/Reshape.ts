import { attrInt } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { constInts, dimProduct, shapeOf, withShape } from './common/shape.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { reshapeLowering } from '../convert/lowering/reshape.js';

/**
 * The output shape of Reshape: 0 copies the input dim (unless allowzero, Reshape-14), -1 takes what is
 * left when the rest is known.
 */
export function reshapeDims(node: Node, input: Dim[] | undefined, target: number[]): Dim[] {
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  const out: Dim[] = target.map((v, i) =>
    v === 0 && !allowZero ? (input?.[i] ?? null) : v === -1 ? null : v,
  );
  const hole = target.indexOf(-1);
  if (hole >= 0 && input) {
    const total = dimProduct(input);
    const rest = dimProduct(out.filter((_, i) => i !== hole));
    if (total !== undefined && rest) out[hole] = total / rest;
    // One symbolic dim left on both sides with everything else equal (e.g. [N,4,4] to [N,-1]) is still unknown.
  }
  return out;
}

/** Reshape -> RESHAPE (TFLite int8 spec: input and output share parameters). */
const tflite = reshapeLowering();

export default {
  opType: 'Reshape',
  inferShapes: (node, ctx) => {
    const target = constInts(ctx.constants[1]);
    const len = shapeOf(ctx.inputTypes[1])?.[0];
    if (target) return [withShape(ctx.inputTypes[0], reshapeDims(node, shapeOf(ctx.inputTypes[0]), target))];
    return [
      withShape(ctx.inputTypes[0], typeof len === 'number' ? new Array<Dim>(len).fill(null) : undefined),
    ];
  },
  evaluate: (node, inputs) => {
    const x = inputs[0]!;
    const dims = reshapeDims(node, [...x.dims], constInts(inputs[1])!);
    if (dims.some((d) => typeof d !== 'number')) throw new NotEvaluable(node, 'bad target shape');
    return [new Tensor(x.dtype, dims as number[], x.data)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
  resultView: true,
  movesData: true,
  int16: true,
} satisfies OpDescriptor;
