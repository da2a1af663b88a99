/**
 * Where a plan's values live while it runs (its graph inputs and node outputs; constants keep their own
 * arrays): views into one ArrayBuffer, each at an offset no value alive at the same time overlaps. A value
 * is alive from the step that makes it (graph inputs: before the first) to the last step that reads it or
 * a view of it (a reshape's output); graph outputs to the end. TFLite's arena planner does the same
 * ("greedy by size": the largest first, each at the lowest offset that is free over its whole lifetime).
 * Lifetimes are inclusive, so a step's outputs never overlap its inputs: no step writes what it reads.
 *
 * PP-OCRv4 det at 640x640: 41 MB of maps, where buffers were reused only by a later value of the same type
 * and length, against 10 MB alive at once at most.
 */

import { byteLength } from '../../ir/dtype.js';
import { topoSort, type Graph } from '../../ir/graph.js';

/** A value to place: its size, and the steps it is alive over (first and last inclusive). */
export interface Lifetime {
  bytes: number;
  first: number;
  last: number;
}

/** Offsets are multiples of this: every typed array's element size, and a SIMD vector's. */
const ALIGN = 16;

/** Each value's offset (in the order given) and the bytes they take together. */
export function placeBuffers(values: readonly Lifetime[]): { offsets: number[]; bytes: number } {
  const offsets = new Array<number>(values.length).fill(0);
  const order = values
    .map((v, i) => ({ ...v, i, size: Math.ceil(v.bytes / ALIGN) * ALIGN }))
    .sort((a, b) => b.size - a.size || a.first - b.first || a.i - b.i);
  const placed: { offset: number; end: number; first: number; last: number }[] = [];
  let bytes = 0;
  for (const v of order) {
    const overlapping = placed
      .filter((p) => p.first <= v.last && v.first <= p.last)
      .sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of overlapping) {
      if (p.offset >= offset + v.size) break;
      offset = Math.max(offset, p.end);
    }
    offsets[v.i] = offset;
    placed.push({ offset, end: offset + v.size, first: v.first, last: v.last });
    bytes = Math.max(bytes, offset + v.size);
  }
  return { offsets, bytes };
}

/**
 * The bytes the integer executor's values would take on `g` at its declared shapes (an unknown dimension:
 * 1), without preparing its kernels: placeBuffers over the graph's order, every node output its own value
 * (a reshape's view counted as a copy), graph outputs alive to the end. PP-OCRv4 det pow2 at 640x640:
 * 10.1 MiB (the affine file, with its int16 early stages, 31 MiB).
 */
export function valueBytes(g: Graph): number {
  const order = topoSort(g);
  const lastRead = new Map<string, number>();
  order.forEach((node, i) => node.inputs.forEach((name) => name && lastRead.set(name, i)));
  for (const v of g.outputs) lastRead.set(v.name, Infinity);
  const values: Lifetime[] = [];
  const add = (name: string, first: number) => {
    const t = g.typeOf(name);
    if (t?.kind !== 'tensor') return;
    const count = (t.shape ?? []).reduce<number>((n, d) => n * (typeof d === 'number' && d > 0 ? d : 1), 1);
    values.push({
      bytes: byteLength(t.dtype, count),
      first,
      last: Math.max(first, lastRead.get(name) ?? -1),
    });
  };
  for (const v of g.runtimeInputs()) add(v.name, -1);
  order.forEach((node, i) => node.outputs.forEach((name) => name && add(name, i)));
  return placeBuffers(values).bytes;
}
