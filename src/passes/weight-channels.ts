import type { Graph, Node } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import type { WeightChannels } from '../ops/types.js';
import { builtinOf, fusedClip } from '../tflite/ops/index.js';

export type { WeightChannels };

/**
 * The channel layout of a weighted layer in either domain, from its descriptor (src/ops/<Op>.ts or
 * src/tflite/ops/<BUILTIN>.ts): undefined for any other node.
 */
export function weightChannelsOf(node: Node, g: Graph): WeightChannels | undefined {
  const facts = node.domain === 'tflite' ? builtinOf(node.opType) : getOp(node.opType, node.domain);
  return facts?.weightChannels?.(node, g);
}

/**
 * f(s x) = s f(x) channel by channel for every s > 0 (ReLU, pools, ...), per the op's descriptor; a
 * TFLite node's fused activation must not clip above (RELU is fine, RELU6 is not).
 */
export function isPositivelyHomogeneous(node: Node): boolean {
  if (node.domain !== 'tflite') return !!getOp(node.opType, node.domain)?.positivelyHomogeneous;
  const clip = fusedClip(node);
  return !!builtinOf(node.opType)?.positivelyHomogeneous && (!clip || isOpenClip(clip));
}

/** A clip that commutes with positive scales: [0, inf) or no bound at all. */
export const isOpenClip = ([lo, hi]: readonly [number, number]): boolean =>
  (lo === 0 || lo === -Infinity) && hi === Infinity;

/** Output channels of a weight with layout `c`. */
export const outputChannels = (dims: readonly number[], c: WeightChannels): number => dims[c.output]!;

/** Input channels (all groups) a weight with layout `c` reads. */
export const inputChannels = (dims: readonly number[], c: WeightChannels): number =>
  dims[c.input]! * c.groups;

/**
 * Calls `fn` for every weight in flat order with its output channel (`row`) and global input channel
 * (`cin`). For ONNX's OIHW this is row by row, a row's input channels in order, each one's taps in order.
 */
export function forEachWeight(
  dims: readonly number[],
  c: WeightChannels,
  fn: (i: number, row: number, cin: number) => void,
): void {
  const stride = (axis: number) => dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const [outStride, inStride] = [stride(c.output), stride(c.input)];
  const [m, perGroup] = [dims[c.output]!, dims[c.input]!];
  const rowsPerGroup = m / c.groups;
  const size = dims.reduce((a, b) => a * b, 1);
  for (let i = 0; i < size; i++) {
    const row = Math.floor(i / outStride) % m;
    const j = Math.floor(i / inStride) % perGroup;
    fn(i, row, Math.floor(row / rowsPerGroup) * perGroup + j);
  }
}
