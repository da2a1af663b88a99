import { attrFloat } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { OpDescriptor } from './types.js';
import { unaryOp } from './common/elementwise.js';
import { passThrough } from './common/quant.js';

/**
 * Clip-1/6 take `min`/`max` as attributes; Clip-11+ as optional inputs 1 and 2 (absent or '' = no bound).
 * Returns undefined for a bound that is an input but not a constant.
 */
export function clipBounds(
  node: Node,
  constant: (name: string) => Tensor | undefined,
): { min: number; max: number } | undefined {
  if (node.inputs.length <= 1) {
    return { min: attrFloat(node, 'min', -Infinity), max: attrFloat(node, 'max', Infinity) };
  }
  const bound = (i: number, fallback: number): number | undefined => {
    const name = node.inputs[i];
    if (!name) return fallback;
    const t = constant(name);
    return t && t.size === 1 ? t.toNumbers()[0] : undefined;
  };
  const min = bound(1, -Infinity);
  const max = bound(2, Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}

export default {
  ...unaryOp('Clip', (node, inputs) => {
    const byName = new Map(node.inputs.map((n, i) => [n, inputs[i]]));
    const b = clipBounds(node, (n) => byName.get(n)) ?? { min: -Infinity, max: Infinity };
    return (x) => Math.min(b.max, Math.max(b.min, x));
  }),
  quant: passThrough,
} satisfies OpDescriptor;
