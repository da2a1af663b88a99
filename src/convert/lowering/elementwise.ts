import { int } from '../../ir/attrs.js';
import type { Attribute, Node } from '../../ir/graph.js';
import { fusedActivationOf } from './activation.js';
import type { LowerContext, TfliteLowering } from './types.js';
import { operand } from './constants.js';

/**
 * Binary elementwise ops (ONNX broadcasting = TFLite broadcasting once constants have the output's rank
 * and layout). `int8`: TFLite has an int8 kernel (DIV has none).
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
      cx.emit(tflite, [operand(cx, 0), operand(cx, 1)], [cx.output(0)], attrs);
    },
  };
}

/** One-input elementwise ops; `attrs` maps the ONNX attributes to the TFLite options. */
export function unaryLowering(
  tflite: string,
  attrs: (node: Node, cx: LowerContext) => Record<string, Attribute> = () => ({}),
): TfliteLowering {
  return {
    layout: 'agnostic',
    int8: true,
    lower(node, cx) {
      cx.emit(tflite, [cx.input(0)], [cx.output(0)], attrs(node, cx));
    },
  };
}
