/**
 * Moving samples and outputs between the ONNX layout (NCHW) and a .tflite's NHWC: apart from evaluate.ts
 * so that the .tflite evaluation worker (tflite-worker.ts) loads it without ONNX Runtime.
 */
import { Tensor } from '../ir/tensor.js';
import type { Feeds } from '../quant/calibrate.js';
import type { Candidate } from './evaluate.js';

const NHWC = [0, 2, 3, 1];

/** Whether a 4-D value of ONNX shape `onnx` is stored with shape `stored` as NHWC (not as it is). */
export function storedNhwc(onnx: readonly number[], stored: readonly number[] | undefined): boolean {
  if (onnx.length !== 4 || stored?.length !== 4) return false;
  const same = stored.every((d, i) => d === onnx[i]);
  return !same && stored.every((d, i) => d === onnx[NHWC[i]!]);
}

/**
 * 4-D inputs from NCHW to NHWC (what a .tflite written with --tflite_layout nhwc takes): those the file
 * stores NHWC when its input shapes are known, else every 4-D input.
 */
export function toNhwc(feeds: Feeds, c: Pick<Candidate, 'stored' | 'shapes'>): Feeds {
  const moved = (k: string, x: Tensor) =>
    x.dims.length === 4 &&
    (c.stored ? c.stored.has(k) : c.shapes?.[k] ? storedNhwc(x.dims, c.shapes[k]) : true);
  return Object.fromEntries(Object.entries(feeds).map(([k, x]) => [k, moved(k, x) ? transpose(x, NHWC) : x]));
}

export function transpose(t: Tensor, perm: number[]): Tensor {
  const dims = perm.map((p) => t.dims[p]!);
  const src = t.data as Float32Array;
  const out = new (src.constructor as Float32ArrayConstructor)(src.length);
  const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < dims.length; d++) s += idx[d]! * inStrides[perm[d]!]!;
    out[o] = src[s]!;
    for (let d = dims.length - 1; d >= 0 && ++idx[d]! === dims[d]; d--) idx[d] = 0;
  }
  return new Tensor(t.dtype, dims, out);
}
