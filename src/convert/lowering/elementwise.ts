import { int } from '../../ir/attrs.js';
import type { Attribute, Node } from '../../ir/graph.js';
import { fusedActivationOf } from './activation.js';
import type { LowerContext, TfliteLowering } from './types.js';
import { typedOperand } from './constants.js';

/**
 * Binary elementwise ops (ONNX broadcasting = TFLite broadcasting once constants have the output's rank
 * and layout; integer constants keep their type). `int8`: TFLite has an int8 kernel (DIV has none).
 */
export function binaryLowering(tflite: string, int8 = true, fused = true): TfliteLowering {
  return {
    layout: 'agnostic',
    int8,
    ...(fused ? { fusable: () => true } : {}),
    lower(node, cx) {
      const attrs: Record<string, Attribute> = fused
        ? { fused_activation_function: int(fusedActivationOf(node)) }
        : {};
      // An integer op (shape arithmetic: Silero VAD adds sr * 0 to its state) keeps integer constants.
      cx.emit(tflite, [typedOperand(cx, 0), typedOperand(cx, 1)], [cx.output(0)], attrs);
    },
  };
}

/**
 * One-input elementwise ops; `attrs` maps the ONNX attributes to the TFLite options. `int8`: TFLite has
 * an int8 kernel (SQRT, LOG have none: they run float between DEQUANTIZE and QUANTIZE).
 */
export function unaryLowering(
  tflite: string,
  attrs: (node: Node, cx: LowerContext) => Record<string, Attribute> = () => ({}),
  int8 = true,
): TfliteLowering {
  return {
    layout: 'agnostic',
    int8,
    lower(node, cx) {
      cx.emit(tflite, [cx.input(0)], [cx.output(0)], attrs(node, cx));
    },
  };
}
