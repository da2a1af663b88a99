import { storedType } from '../quant-util.js';
import { Tensor } from '../../ir/tensor.js';
import { int8Constant } from './constants.js';
import type { LowerContext } from './types.js';

/** MINIMUM(x, hi) then MAXIMUM(., lo) into output 0, each bound a scalar in the output's number format. */
export function clamp(cx: LowerContext, x: string, lo: number, hi: number): void {
  const params = cx.outParams(0);
  const scalar = (v: number) => {
    const t = Tensor.float32([], [v]);
    return cx.addConstant(`clip_bound_${v}`, params ? int8Constant(t, params) : t);
  };
  let v = x;
  if (hi !== Infinity) {
    const out =
      lo === -Infinity
        ? cx.output(0)
        : cx.addValue(`${cx.node.outputs[0]}_min`, storedType(params), physicalShape(cx), params);
    cx.emit('MINIMUM', [v, scalar(hi)], [out]);
    v = out;
  }
  if (lo !== -Infinity) cx.emit('MAXIMUM', [v, scalar(lo)], [cx.output(0)]);
  else if (hi === Infinity) cx.alias(0, v);
}

export const physicalShape = (cx: LowerContext): number[] => cx.outPerm(0).map((a) => cx.outShape(0)[a]!);
