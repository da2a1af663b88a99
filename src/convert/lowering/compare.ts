import type { TfliteLowering } from './types.js';
import { typedOperand } from './constants.js';

/**
 * Comparisons and logic ops (bool output) -> the TFLite builtin of the same meaning, float: ONNX reads
 * their inputs dequantized. Constants keep their element type (an int32 zero compared with a Cast result).
 */
export function compareLowering(tflite: string): TfliteLowering {
  return {
    layout: 'agnostic',
    int8: false,
    lower(node, cx) {
      cx.emit(
        tflite,
        node.inputs.map((_, i) => typedOperand(cx, i)),
        [cx.output(0)],
      );
    },
  };
}
