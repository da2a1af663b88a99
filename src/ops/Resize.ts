import { attrInts, attrString, int } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor, ShapeContext } from './types.js';
import { passThrough } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { int32s } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * Resize-10 is (X, scales); Resize-11+ is (X, roi, scales, sizes) with one of scales/sizes given. The
 * output is `sizes`, or floor(dim * scale).
 */
export function resizeShape(
  shape: Dim[],
  scales: Tensor | undefined,
  sizes: Tensor | undefined,
): Dim[] | undefined {
  if (sizes && sizes.size === shape.length) return sizes.toNumbers();
  if (scales && scales.size === shape.length) {
    const s = scales.toNumbers();
    return shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * s[i]!) : s[i] === 1 ? d : null));
  }
  return undefined;
}

function infer(ctx: ShapeContext, scalesAt: number, sizesAt: number): ReturnType<typeof resizeShape> {
  const shape = shapeOf(ctx.inputTypes[0]);
  return shape ? resizeShape(shape, ctx.constants[scalesAt], ctx.constants[sizesAt]) : undefined;
}

/**
 * Resize (2-D, nearest or linear) -> RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR to the output size, with
 * the coordinate convention TFLite spells as align_corners / half_pixel_centers. Conventions TFLite
 * cannot compute are refused.
 */
const tflite = {
  layout: 'spatial',
  int8: true,
  lower(node, cx) {
    const [inShape, outShape] = [cx.inShape(0), cx.outShape(0)];
    const flags = inShape.length === 4 ? convention(node, inShape.slice(2), outShape.slice(2)) : undefined;
    if (!flags || inShape[0] !== outShape[0] || inShape[1] !== outShape[1]) {
      throw new UnsupportedOpError(
        node.name,
        'Resize',
        ['Resize (2-D spatial, nearest or linear, asymmetric/half_pixel/align_corners coordinates)'],
        'in TFLite conversion',
      );
    }
    const size = cx.addConstant(`${node.outputs[0]}_size`, int32s(outShape.slice(2)));
    const op =
      attrString(node, 'mode', 'nearest') === 'linear' ? 'RESIZE_BILINEAR' : 'RESIZE_NEAREST_NEIGHBOR';
    cx.emit(op, [cx.input(0), size], [cx.output(0)], {
      align_corners: int(flags[0] ? 1 : 0),
      half_pixel_centers: int(flags[1] ? 1 : 0),
    });
  },
} satisfies TfliteLowering;

/** [align_corners, half_pixel_centers] equivalent to the ONNX attributes, or undefined. */
function convention(node: Node, inHW: number[], outHW: number[]): [boolean, boolean] | undefined {
  const mode = attrString(node, 'mode', 'nearest');
  const coords = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  const halfPixel = coords === 'half_pixel' || coords === 'pytorch_half_pixel';
  if (mode === 'linear') {
    if (coords === 'align_corners') return [true, false];
    if (coords === 'asymmetric') return [false, false];
    return halfPixel ? [false, true] : undefined;
  }
  if (mode !== 'nearest') return undefined;
  const rounding = attrString(node, 'nearest_mode', 'round_prefer_floor');
  if (coords === 'asymmetric' && rounding === 'floor') return [false, false];
  if (rounding === 'round_prefer_ceil')
    return halfPixel ? [false, true] : coords === 'align_corners' ? [true, false] : undefined;
  // half_pixel + round_prefer_floor picks floor(y / k) for an integer upscale k, as TFLite's default does.
  const integerUp = outHW.every((o, i) => o % inHW[i]! === 0);
  return halfPixel && rounding === 'round_prefer_floor' && integerUp ? [false, false] : undefined;
}

export default {
  opType: 'Resize',
  inferShapes: (node, ctx) => {
    // Resize-18's `axes` restricts scales/sizes to some axes; not handled: leave the shape unknown.
    if (attrInts(node, 'axes')) return [withShape(ctx.inputTypes[0], undefined)];
    const v10 = node.inputs.length === 2;
    return [withShape(ctx.inputTypes[0], infer(ctx, v10 ? 1 : 2, v10 ? -1 : 3))];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
