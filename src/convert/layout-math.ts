import type { TypedArray } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import { withParams } from './quant-util.js';

/**
 * Axis permutations. A layout `perm` says which logical axis each physical axis holds: physical shape
 * `perm.map((a) => logical[a])`. NHWC storage of an NCHW tensor is [0, 2, 3, 1].
 */
export const identity = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);

export const isIdentity = (perm: readonly number[]): boolean => perm.every((a, i) => a === i);

export const samePerm = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Channels-last storage of a rank-r channels-first tensor: [0, 2, ..., r-1, 1]. */
export const channelsLast = (rank: number): number[] => [0, ...identity(rank).slice(2), 1];

export const applyPerm = <T>(values: readonly T[], perm: readonly number[]): T[] =>
  perm.map((a) => values[a]!);

/** The physical axis holding logical axis `axis`. */
export const physicalAxis = (perm: readonly number[], axis: number): number => perm.indexOf(axis);

/**
 * The permutation a TRANSPOSE applies to go from storage `from` to storage `to` of one logical tensor:
 * output axis i takes input axis from.indexOf(to[i]).
 */
export const transposeBetween = (from: readonly number[], to: readonly number[]): number[] =>
  to.map((a) => from.indexOf(a));

/**
 * Whether storing a tensor as `perm` and reading its bytes in order gives the logical order: true when
 * the axes of size > 1 keep their relative order (e.g. NHWC of [N, C, 1, 1]). A reshape of such a tensor
 * needs no TRANSPOSE.
 */
export function orderPreserved(shape: readonly number[], perm: readonly number[]): boolean {
  const big = perm.filter((a) => shape[a]! > 1);
  return big.every((a, i) => i === 0 || big[i - 1]! < a);
}

/** A tensor transposed: output dims `perm.map((a) => dims[a])`; a quantization axis moves with it. */
export function transposeTensor(t: Tensor, perm: readonly number[]): Tensor {
  if (isIdentity(perm)) return t;
  const dims = applyPerm(t.dims, perm);
  const src = t.data as TypedArray;
  const out = new (src.constructor as new (n: number) => TypedArray)(src.length);
  const inStrides = stridesOf(t.dims);
  const strides = applyPerm(inStrides, perm);
  // Output rows (the last output axis) one at a time, its elements at a fixed input stride: per element
  // only a copy, not a walk over every axis (weights of all convs pass through here, once, while cold).
  const last = dims.length - 1;
  const [n, step] = [dims[last]!, strides[last]!];
  const index = new Array<number>(last).fill(0);
  for (let o = 0; o < out.length;) {
    let base = 0;
    for (let k = 0; k < last; k++) base += index[k]! * strides[k]!;
    for (let j = 0; j < n; j++) out[o++] = src[base + j * step]!;
    for (let k = last - 1; k >= 0; k--) {
      if (++index[k]! < dims[k]!) break;
      index[k] = 0;
    }
  }
  const q = t.quant;
  const result = new Tensor(t.dtype, dims, out);
  return q ? withParams(result, { ...q, axis: q.scale.length > 1 ? perm.indexOf(q.axis ?? 0) : 0 }) : result;
}

/** The same data viewed with other dims (same element count); the parameters' axis is given anew. */
export function reshapeTensor(t: Tensor, dims: readonly number[], axis?: number): Tensor {
  const out = new Tensor(t.dtype, dims, t.data);
  const q = t.quant;
  return q ? withParams(out, { ...q, axis: axis ?? q.axis }) : out;
}

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1]! * dims[k + 1]!;
  return s;
}
