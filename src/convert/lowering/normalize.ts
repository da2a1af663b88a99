import { int } from '../../ir/attrs.js';
import { Tensor } from '../../ir/tensor.js';
import { ActivationFunctionType } from '../../formats/tflite/schema.js';
import { physicalShape } from './clamp.js';
import { int32s } from './constants.js';
import type { LowerContext } from './types.js';

/**
 * (x - mean) / sqrt(var + epsilon) * scale + bias over the given physical axes of input 0, as TFLite
 * builtins: MEAN, SUB, MUL (the square), MEAN, ADD epsilon, RSQRT, MUL, MUL scale, ADD bias, all float32.
 * `scale` and `bias` are operands already in the output's layout (bias '' when absent).
 */
export function emitNormalization(
  cx: LowerContext,
  axes: number[],
  epsilon: number,
  scale: string,
  bias: string,
): void {
  const base = cx.node.outputs[0]!;
  const full = physicalShape(cx);
  const stat = full.map((d, i) => (axes.includes(i) ? 1 : d));
  const tmp = (what: string, shape: number[]) => cx.addValue(`${base}_${what}`, 'float32', shape);
  const axesName = cx.addConstant(`norm_axes_${axes.join('_')}`, int32s(axes));
  const none = { fused_activation_function: int(ActivationFunctionType.NONE) };
  const mean = (x: string, out: string) => cx.emit('MEAN', [x, axesName], [out], { keep_dims: int(1) });
  const [mu, d, d2, v, ve, rs, norm] = [
    tmp('mean', stat),
    tmp('centered', full),
    tmp('squared', full),
    tmp('var', stat),
    tmp('var_eps', stat),
    tmp('rstd', stat),
    tmp('normalized', full),
  ];
  mean(cx.input(0), mu);
  cx.emit('SUB', [cx.input(0), mu], [d], none);
  cx.emit('MUL', [d, d], [d2], none);
  mean(d2, v);
  cx.emit('ADD', [v, cx.addConstant('norm_epsilon', Tensor.float32([], [epsilon]))], [ve], none);
  cx.emit('RSQRT', [ve], [rs]);
  cx.emit('MUL', [d, rs], [norm], none);
  const scaled = bias ? tmp('scaled', full) : cx.output(0);
  cx.emit('MUL', [norm, scale], [scaled], none);
  if (bias) cx.emit('ADD', [scaled, bias], [cx.output(0)], none);
}
