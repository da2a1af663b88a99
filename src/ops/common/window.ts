import { attrInt, attrInts, attrString } from '../../ir/attrs.js';
import type { Dim, Node } from '../../ir/graph.js';

/**
 * Spatial output sizes of Conv and the pools (ONNX Conv/MaxPool output-shape formulas): explicit pads,
 * or auto_pad SAME_* (ceil(in / stride)) and VALID.
 */
export function windowDims(node: Node, spatial: Dim[], kernel: number[], ceilMode = false): Dim[] {
  const n = spatial.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
  const dil = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  return spatial.map((d, i) => {
    if (typeof d !== 'number') return null;
    const s = strides[i]!;
    const span = (kernel[i]! - 1) * dil[i]! + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(d / s);
    if (autoPad === 'VALID') return Math.floor((d - span) / s) + 1;
    const total = d + pads[i]! + pads[i + n]! - span;
    if (!ceilMode) return Math.floor(total / s) + 1;
    let out = Math.ceil(total / s) + 1;
    // A last window starting entirely in the end padding is dropped (as ONNX Runtime and PyTorch do).
    if ((out - 1) * s >= d + pads[i]!) out--;
    return out;
  });
}

export const ceilModeOf = (node: Node): boolean => attrInt(node, 'ceil_mode', 0) === 1;

/** Output shape of a pool over NC + spatial dims (AveragePool, MaxPool), or undefined when unknown. */
export function pooledShape(node: Node, x: Dim[] | undefined): Dim[] | undefined {
  const kernel = attrInts(node, 'kernel_shape');
  if (!x || !kernel) return undefined;
  return [x[0] ?? null, x[1] ?? null, ...windowDims(node, x.slice(2), kernel, ceilModeOf(node))];
}
