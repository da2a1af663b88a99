import { attrInt, int } from '../ir/attrs.js';
import { passThrough } from './common/quant.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** SpaceToDepth -> SPACE_TO_DEPTH on NHWC (ONNX's channel order is TFLite's). */
const tflite = {
  layout: 'spatial',
  int8: true,
  lower(node, cx) {
    cx.emit('SPACE_TO_DEPTH', [cx.input(0)], [cx.output(0)], {
      block_size: int(attrInt(node, 'blocksize', 1)),
    });
  },
} satisfies TfliteLowering;

export default {
  opType: 'SpaceToDepth',
  inferShapes: (node, ctx) => {
    const s = shapeOf(ctx.inputTypes[0]);
    const b = attrInt(node, 'blocksize', 1);
    const mul = (d: unknown, k: number) => (typeof d === 'number' ? d * k : null);
    return [withShape(ctx.inputTypes[0], s && [s[0]!, mul(s[1], b * b), mul(s[2], 1 / b), mul(s[3], 1 / b)])];
  },
  quant: passThrough,
  tflite,
  nonNegative: 'if-input',
} satisfies OpDescriptor;
