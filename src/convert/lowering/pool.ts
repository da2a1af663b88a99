import { UnsupportedOpError } from '../../errors.js';
import { attrInt, attrInts, int } from '../../ir/attrs.js';
import type { TfliteLowering } from './types.js';
import { tfPadding, windowAttrs, windowOf } from './window.js';

/**
 * MaxPool/AveragePool -> MAX_POOL_2D/AVERAGE_POOL_2D: TFLite's SAME padding ignores the padded cells,
 * as ONNX's max pool and count_include_pad = 0 average pool do; other pads (and ceil_mode outputs
 * TFLite does not produce) are refused rather than computed differently.
 */
export function poolLowering(opType: string, tflite: string): TfliteLowering {
  return {
    layout: 'spatial',
    int8: true,
    lower(node, cx) {
      const x = cx.inShape(0);
      const kernel = attrInts(node, 'kernel_shape', []);
      const win = windowOf(node, x.slice(2), kernel);
      const padding = x.length === 4 ? tfPadding(win, x.slice(2), cx.outShape(0).slice(2)) : undefined;
      const includePad = attrInt(node, 'count_include_pad', 0) === 1 && win.pads.some((p) => p > 0);
      if (padding === undefined || includePad || win.dilations.some((d) => d !== 1)) {
        throw new UnsupportedOpError(
          node.name,
          opType,
          [`${opType} (2-D, no dilation, VALID or TensorFlow SAME pads, count_include_pad = 0)`],
          'in TFLite conversion',
        );
      }
      cx.emit(tflite, [cx.input(0)], [cx.output(0)], {
        ...windowAttrs(win, padding, 0),
        filter_width: int(kernel[1]!),
        filter_height: int(kernel[0]!),
      });
    },
  };
}
