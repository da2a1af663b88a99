import { UnsupportedOpError } from '../../errors.js';
import { attrString, int } from '../../ir/attrs.js';
import type { Node } from '../../ir/graph.js';
import { int32s } from './common/constants.js';
import type { OpMapping } from './types.js';

/**
 * Resize (2-D, nearest or linear) -> RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR to the output size, with
 * the coordinate convention TFLite spells as align_corners / half_pixel_centers. Conventions TFLite
 * cannot compute are refused.
 */
export default {
  opType: 'Resize',
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
} satisfies OpMapping;

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
