import { int } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { binaryOp } from './common/elementwise.js';
import { calibrated } from './common/quant.js';
import type { OpDescriptor } from './types.js';
import { ActivationFunctionType } from '../formats/tflite/schema.js';
import { floatConstant, operand } from '../convert/lowering/constants.js';
import type { ConvState } from '../convert/types.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** The exponent when it is one constant value (a scalar or all elements equal), else undefined. */
function exponent(node: Node, constant: (name: string) => Tensor | undefined): number | undefined {
  const t = constant(node.inputs[1] ?? '');
  if (!t) return undefined;
  const v = floatConstant(t).toFloat32();
  return v.length > 0 && v.every((e) => e === v[0]) ? v[0] : undefined;
}
const stateExponent = (node: Node, s: ConvState) => exponent(node, (n) => s.graph.initializers.get(n));

/**
 * Pow by its exponent: 1 -> the input itself, 2 -> MUL(x, x) (int8 in TFLite), 0.5 -> SQRT, -0.5 -> RSQRT
 * (both float), anything else -> POW (float only). Written-out LayerNorms (PaddleOCR) square with Pow(x, 2).
 */
const tflite = {
  layout: 'agnostic',
  int8: (node, s) => stateExponent(node, s) === 2,
  lower(node, cx) {
    const e = exponent(node, (n) => (n === node.inputs[1] ? cx.constant(1) : undefined));
    const x = cx.input(0);
    if (e === 1) return cx.alias(0, x);
    if (e === 2)
      return cx.emit('MUL', [x, x], [cx.output(0)], {
        fused_activation_function: int(ActivationFunctionType.NONE),
      });
    if (e === 0.5) return cx.emit('SQRT', [x], [cx.output(0)]);
    if (e === -0.5) return cx.emit('RSQRT', [x], [cx.output(0)]);
    cx.emit('POW', [x, operand(cx, 1)], [cx.output(0)]);
  },
} satisfies TfliteLowering;

export default {
  ...binaryOp('Pow', (a, b) => a ** b),
  quant: calibrated,
  tflite,
  nonNegative: (node, constant) => exponent(node, constant) === 2,
  precisionGroups: ['normalization'],
} satisfies OpDescriptor;
