import { ints } from '../../ir/attrs.js';
import type { TfliteLowering } from './types.js';

/**
 * Reshape-like ops -> RESHAPE to the output's shape. The layout pass has made the stored bytes be in
 * the order the output needs (ONNX order, or the storage order a following FC's weights expect).
 */
export function reshapeLowering(): TfliteLowering {
  return {
    layout: 'reshape',
    int8: true,
    lower(node, cx) {
      cx.emit('RESHAPE', [cx.input(0)], [cx.output(0)], { new_shape: ints(cx.outShape(0)) });
    },
  };
}

/** Ops whose output is their input relabelled: no TFLite op at all. */
export function aliasLowering(): TfliteLowering {
  return {
    layout: 'alias',
    int8: true,
    lower(_node, cx) {
      cx.alias(0, cx.input(0));
    },
  };
}
