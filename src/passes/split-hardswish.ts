import type { Node } from '../ir/graph.js';
import { rulePass, type Rule } from './rewrite.js';

/**
 * HardSwish(x) becomes Mul(x, HardSigmoid(x)) with alpha 1/6, beta 1/2: the same function, in ops whose
 * int8 forms both runtimes compute alike. Quantized (affine), hardsigmoid(x) gets its own grid (its
 * calibrated range, [0, 1] once x reaches past +-3) and the product is rounded once more; the .tflite runs
 * them as MUL, ADD (with RELU) and MUL, every one exact up to rounding ties, which the quantizer keeps
 * clear of (src/quant/tie-free.ts). TFLite's int8 HARD_SWISH cannot match ONNX Runtime: XNNPACK's kernel
 * rounds the input/output scale ratio to 8 fractional bits and is a step off on up to 1.6% of the inputs
 * of a PP-OCR HardSwish, which its squeeze-and-excitation blocks grow into differences of many steps.
 */
const splitHardSwish = (keep: (n: Node) => boolean): Rule => ({
  name: 'split-hardswish',
  roots: ['HardSwish'],
  match(n, cx) {
    if (n.domain !== '' || keep(n)) return undefined;
    const x = n.inputs[0]!;
    const h = cx.fresh(`${n.outputs[0]}_hardsigmoid`);
    const sigmoid: Node = {
      name: `${n.name}_hardsigmoid`,
      opType: 'HardSigmoid',
      domain: '',
      inputs: [x],
      outputs: [h],
      attrs: { alpha: { kind: 'float', value: 1 / 6 }, beta: { kind: 'float', value: 0.5 } },
    };
    const mul: Node = {
      name: `${n.name}_mul`,
      opType: 'Mul',
      domain: '',
      inputs: [x, h],
      outputs: [n.outputs[0]!],
      attrs: {},
    };
    return { remove: [n], add: [sigmoid, mul] };
  },
});

/**
 * `keep`: HardSwish nodes left whole, those --exclude names (by node name or 'HardSwish'), so that they
 * stay float as the user asked rather than their two halves being quantized under new names.
 */
export const splitHardSwishPass = (keep: (n: Node) => boolean = () => false) =>
  rulePass([splitHardSwish(keep)]);
