import { attrFloat, int } from '../ir/attrs.js';
import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { calibrated, SIGMOID_OUT } from './common/quant.js';
import { Tensor } from '../ir/tensor.js';
import { perTensor } from '../quant/params.js';
import { ActivationFunctionType } from '../formats/tflite/schema.js';
import { int8Range } from '../convert/quant-util.js';
import { int8Constant } from '../convert/lowering/constants.js';
import { physicalShape } from '../convert/lowering/clamp.js';
import type { LowerContext, TfliteLowering } from '../convert/lowering/types.js';

/**
 * HardSigmoid = min(max(alpha x + beta, 0), 1); TFLite has no such op: MUL by alpha, ADD beta with a
 * fused RELU, and MINIMUM 1 unless the int8 output cannot exceed 1 anyway. int8: the MUL's output is
 * stored at scale alpha * s_x with x's zero point, so it holds x's int8 values exactly.
 */
const tflite = {
  layout: 'agnostic',
  int8: (node) => attrFloat(node, 'alpha', 0.2) > 0,
  lower(node, cx) {
    const alpha = attrFloat(node, 'alpha', 0.2);
    const beta = attrFloat(node, 'beta', 0.5);
    const [pIn, pOut] = [cx.inParams(0), cx.outParams(0)];
    const shape = physicalShape(cx);
    const dtype = pOut ? 'int8' : 'float32';
    const scalar = (v: number) => {
      const t = Tensor.float32([], [v]);
      return cx.addConstant(`hardsigmoid_${v}`, cx.int8 ? int8Constant(t) : t);
    };
    const mParams = pIn ? perTensor(pIn.scale[0]! * alpha, pIn.zeroPoint[0]!) : undefined;
    const scaled = cx.addValue(`${node.outputs[0]}_scaled`, dtype, shape, mParams);
    cx.emit('MUL', [cx.input(0), scalar(alpha)], [scaled], {
      fused_activation_function: int(ActivationFunctionType.NONE),
    });
    const needMin = !pOut || int8Range(pOut).max > 1;
    const sum = needMin ? cx.addValue(`${node.outputs[0]}_relu`, dtype, shape, pOut) : cx.output(0);
    cx.emit('ADD', [scaled, scalar(beta)], [sum], {
      fused_activation_function: int(ActivationFunctionType.RELU),
    });
    if (needMin) cx.emit('MINIMUM', [sum, one(cx)], [cx.output(0)]);
  },
} satisfies TfliteLowering;

function one(cx: LowerContext): string {
  const t = Tensor.float32([], [1]);
  const params = cx.outParams(0);
  return cx.addConstant('hardsigmoid_one', params ? int8Constant(t, params) : t);
}

export default {
  ...unaryOp(
    'HardSigmoid',
    (node) => {
      const alpha = attrFloat(node, 'alpha', 0.2);
      const beta = attrFloat(node, 'beta', 0.5);
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    },
    { floatOnly: true },
  ),
  // pow2: LOGISTIC's [0, 1) grid, 1/256 with zero point -128, rather than the symmetric 2^n grid, which
  // spends half its values below 0 and, once the range reaches 1, steps by 1/64. A power of two still, so
  // the Mul of a split HardSwish, x * hardsigmoid(x), rescales by a shift; 1 itself reads as 255/256,
  // which moves x * 255/256 by under half a step for any |x| up to 127 steps of its own grid.
  quant: { ...calibrated, pow2Output: SIGMOID_OUT },
  tflite,
  nonNegative: 'always',
  tiesAtBound: 1,
  // No saturatesOutside yet: with its input cut to [-beta/alpha, (1 - beta)/alpha], PaddleOCR cls's
  // affine .tflite and .onnx disagreed by more than a step on 2 of 128 outputs (real-models.test.ts). A
  // grid over exactly [-2.5, 2.5] is 5/255 wide, alpha 0.2 makes the .tflite's MUL output 1/255, and its
  // ADD of 0.5 lands on 127.5 steps: a tie the runtimes round apart, which tie-free.ts does not yet see.
} satisfies OpDescriptor;
