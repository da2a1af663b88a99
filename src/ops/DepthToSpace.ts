import { attrInt, attrString, int } from '../ir/attrs.js';
import { UnsupportedOpError } from '../errors.js';
import { passThrough } from './common/quant.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * DepthToSpace -> DEPTH_TO_SPACE on NHWC: ONNX's DCR mode (the default) is TFLite's channel order; CRD
 * (PixelShuffle's) has none and is refused.
 */
const tflite = {
  layout: 'spatial',
  int8: true,
  lower(node, cx) {
    if ((attrString(node, 'mode') ?? 'DCR') !== 'DCR')
      throw new UnsupportedOpError(
        node.name,
        'DepthToSpace',
        ['DepthToSpace (mode DCR)'],
        'in TFLite conversion',
      );
    cx.emit('DEPTH_TO_SPACE', [cx.input(0)], [cx.output(0)], {
      block_size: int(attrInt(node, 'blocksize', 1)),
    });
  },
} satisfies TfliteLowering;

export default {
  opType: 'DepthToSpace',
  inferShapes: (node, ctx) => {
    const s = shapeOf(ctx.inputTypes[0]);
    const b = attrInt(node, 'blocksize', 1);
    const mul = (d: unknown, k: number) => (typeof d === 'number' ? d * k : null);
    return [withShape(ctx.inputTypes[0], s && [s[0]!, mul(s[1], 1 / (b * b)), mul(s[2], b), mul(s[3], b)])];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
