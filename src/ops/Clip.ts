import { attrFloat } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import type { ConstantOf, OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { passThrough } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import type { FusedActivation } from '../convert/lowering/activation.js';
import { clamp } from '../convert/lowering/clamp.js';
import type { LowerContext, TfliteLowering } from '../convert/lowering/types.js';

/**
 * Clip-1/6 take `min`/`max` as attributes; Clip-11+ as optional inputs 1 and 2 (absent or '' = no bound).
 * Returns undefined for a bound that is an input but not a constant.
 */
export function clipBounds(node: Node, constant: ConstantOf): { min: number; max: number } | undefined {
  const min = clipBound(node, 1, constant);
  const max = clipBound(node, 2, constant);
  return min === undefined || max === undefined ? undefined : { min, max };
}

/** Bound `i` (1: min, 2: max) of clipBounds alone. */
function clipBound(node: Node, i: 1 | 2, constant: ConstantOf): number | undefined {
  const fallback = i === 1 ? -Infinity : Infinity;
  if (node.inputs.length <= 1) return attrFloat(node, i === 1 ? 'min' : 'max', fallback);
  const name = node.inputs[i];
  if (!name) return fallback;
  const t = constant(name);
  return t && t.size === 1 ? t.toNumbers()[0] : undefined;
}

/**
 * Clip -> RELU6 / RELU where the bounds are theirs, else MINIMUM and MAXIMUM with constant bounds
 * (TFLite int8 spec: those share the output's parameters). Clip(0, 6) after a Conv is fused instead.
 */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const [lo, hi] = bounds(node, cx);
    if (lo === 0 && hi === 6) return cx.emit('RELU6', [cx.input(0)], [cx.output(0)]);
    if (lo === 0 && hi === Infinity) return cx.emit('RELU', [cx.input(0)], [cx.output(0)]);
    clamp(cx, cx.input(0), lo, hi);
  },
} satisfies TfliteLowering;

function bounds(node: Node, cx: LowerContext): [number, number] {
  const b = clipBounds(node, (name) => cx.state.graph.initializers.get(name));
  if (!b) throw new UnsupportedOpError(node.name, 'Clip', ['Clip (constant bounds)'], 'in TFLite conversion');
  return [b.min, b.max];
}

export default {
  ...unaryOp('Clip', (node, inputs) => {
    const byName = new Map(node.inputs.map((n, i) => [n, inputs[i]]));
    const b = clipBounds(node, (n) => byName.get(n)) ?? { min: -Infinity, max: Infinity };
    return (x) => Math.min(b.max, Math.max(b.min, x));
  }),
  quant: passThrough,
  // Non-negative when the lower bound is a constant >= 0, whatever the upper one is.
  nonNegative: (node, constant) => (clipBound(node, 1, constant) ?? -1) >= 0,
  fusedActivation: (node, constant): FusedActivation | undefined => {
    const b = clipBounds(node, constant);
    if (b?.min === 0 && b.max === 6) return 'RELU6';
    if (b?.min === 0 && b.max === Infinity) return 'RELU';
    if (b?.min === -1 && b.max === 1) return 'RELU_N1_TO_1';
    return undefined;
  },
  tflite,
  int16: true,
} satisfies OpDescriptor;
