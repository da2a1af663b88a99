import { UnsupportedOpError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import { clipBounds } from '../../ops/Clip.js';
import { Tensor } from '../../ir/tensor.js';
import { int8Constant } from './common/constants.js';
import type { LowerContext, OpMapping } from './types.js';

/**
 * Clip -> RELU6 / RELU where the bounds are theirs, else MINIMUM and MAXIMUM with constant bounds
 * (TFLite int8 spec: those share the output's parameters). Clip(0, 6) after a Conv is fused instead.
 */
export default {
  opType: 'Clip',
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const [lo, hi] = bounds(node, cx);
    if (lo === 0 && hi === 6) return cx.emit('RELU6', [cx.input(0)], [cx.output(0)]);
    if (lo === 0 && hi === Infinity) return cx.emit('RELU', [cx.input(0)], [cx.output(0)]);
    clamp(cx, cx.input(0), lo, hi);
  },
} satisfies OpMapping;

function bounds(node: Node, cx: LowerContext): [number, number] {
  const b = clipBounds(node, (name) => cx.state.graph.initializers.get(name));
  if (!b) throw new UnsupportedOpError(node.name, 'Clip', ['Clip (constant bounds)'], 'in TFLite conversion');
  return [b.min, b.max];
}

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
        : cx.addValue(`${cx.node.outputs[0]}_min`, params ? 'int8' : 'float32', physicalShape(cx), params);
    cx.emit('MINIMUM', [v, scalar(hi)], [out]);
    v = out;
  }
  if (lo !== -Infinity) cx.emit('MAXIMUM', [v, scalar(lo)], [cx.output(0)]);
  else if (hi === Infinity) cx.alias(0, v);
}

export const physicalShape = (cx: LowerContext): number[] => cx.outPerm(0).map((a) => cx.outShape(0)[a]!);
