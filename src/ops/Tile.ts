import { constInts, shapeOf, withShape } from './common/shape.js';
import { passThrough } from './common/quant.js';
import { pick, strides } from './common/compute.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { int32s } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** Tile -> TILE with the repeats in the input's physical axis order; int8 keeps the input's parameters. */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const repeats = cx.constant(1)?.toNumbers();
    if (!repeats) throw new NotEvaluable(node, 'repeats must be constant for TFLite');
    const physical = cx.inPerm(0).map((a) => repeats[a]!);
    cx.emit('TILE', [cx.input(0), cx.addConstant('tile_multiples', int32s(physical))], [cx.output(0)]);
  },
} satisfies TfliteLowering;

export default {
  opType: 'Tile',
  inferShapes: (_node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    const repeats = constInts(ctx.constants[1]);
    const out =
      shape && repeats ? shape.map((d, i) => (typeof d === 'number' ? d * repeats[i]! : null)) : undefined;
    return [withShape(ctx.inputTypes[0], out)];
  },
  evaluate: (node, inputs) => {
    const [x, r] = [inputs[0]!, constInts(inputs[1])];
    if (!r) throw new NotEvaluable(node, 'needs constant repeats');
    const dims = x.dims.map((d, i) => d * r[i]!);
    const [inStrides, outStrides] = [strides(x.dims), strides(dims)];
    const size = dims.reduce((p, d) => p * d, 1);
    const index = Int32Array.from({ length: size }, (_, o) =>
      dims.reduce(
        (acc, d, k) => acc + ((Math.floor(o / outStrides[k]!) % d) % x.dims[k]!) * inStrides[k]!,
        0,
      ),
    );
    return [pick(x, dims, index)];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
