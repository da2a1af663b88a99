import { isFloat, type DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import { Tensor, elementCount } from '../../ir/tensor.js';
import { NotEvaluable } from '../types.js';
import { broadcastShapes } from './shape.js';

/** Reference compute on constant tensors (constant folding): values go through doubles. */

const INT_RANGE: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63 - 1],
  uint64: [0, 2 ** 64 - 1],
};

/** Element types the reference compute handles. */
export function computable(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'bool' || dtype in INT_RANGE;
}

export function values(node: Node, t: Tensor | undefined): number[] {
  if (!t) throw new NotEvaluable(node, 'an input is missing');
  if (!computable(t.dtype)) throw new NotEvaluable(node, `no reference compute for ${t.dtype}`);
  return t.toNumbers();
}

/**
 * A tensor of `dtype` from doubles. Integers are truncated toward zero and saturated (int64 extremes such
 * as Slice's INT64_MAX survive the trip through doubles); bool is nonzero.
 */
export function makeTensor(dtype: DType, dims: readonly number[], vals: ArrayLike<number>): Tensor {
  if (dtype === 'float32') return Tensor.float32(dims, vals);
  if (dtype === 'float64') return new Tensor('float64', dims, Float64Array.from(vals));
  if (dtype === 'bool')
    return new Tensor(
      'bool',
      dims,
      Uint8Array.from(vals, (v) => (v ? 1 : 0)),
    );
  const range = INT_RANGE[dtype];
  if (!range) throw new TypeError(`no reference compute for ${dtype}`);
  const ints = Array.from(vals, (v) =>
    Number.isNaN(v) ? 0 : Math.min(range[1], Math.max(range[0], Math.trunc(v))),
  );
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = ints.map((v) => (v >= 2 ** 63 && dtype === 'int64' ? 2n ** 63n - 1n : BigInt(v)));
    return new Tensor(dtype, dims, dtype === 'int64' ? BigInt64Array.from(big) : BigUint64Array.from(big));
  }
  return new Tensor(dtype, dims, typed(dtype, ints));
}

function typed(
  dtype: DType,
  ints: number[],
): Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'int8':
      return Int8Array.from(ints);
    case 'uint8':
      return Uint8Array.from(ints);
    case 'int16':
      return Int16Array.from(ints);
    case 'uint16':
      return Uint16Array.from(ints);
    case 'int32':
      return Int32Array.from(ints);
    default:
      return Uint32Array.from(ints);
  }
}

/** Row-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** For each element of `outDims`, the flat index into a tensor of `dims` broadcast to it. */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = elementCount(outDims);
  const out = new Int32Array(n);
  const rank = outDims.length;
  const src = strides(dims);
  const aligned = outDims.map((_, k) => {
    const j = k - (rank - dims.length);
    return j >= 0 && dims[j] !== 1 ? src[j]! : 0;
  });
  const os = strides(outDims);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let idx = 0;
    for (let k = 0; k < rank; k++) {
      const c = Math.floor(rem / os[k]!);
      rem -= c * os[k]!;
      idx += c * aligned[k]!;
    }
    out[i] = idx;
  }
  return out;
}

/** Broadcasts the inputs against each other and applies `fn` elementwise. */
export function broadcastMap(
  node: Node,
  inputs: (Tensor | undefined)[],
  outDtype: DType,
  fn: (xs: number[]) => number,
): Tensor {
  const vals = inputs.map((t) => values(node, t));
  const dims = inputs.map((t) => [...t!.dims]);
  const outDims = broadcastShapes(dims) as number[];
  if (outDims.some((d) => d === null)) throw new NotEvaluable(node, 'shapes do not broadcast');
  const idx = dims.map((d) => broadcastIndex(d, outDims));
  const n = elementCount(outDims);
  const out = new Float64Array(n);
  const xs = new Array<number>(vals.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < vals.length; k++) xs[k] = vals[k]![idx[k]![i]!]!;
    out[i] = fn(xs);
  }
  return makeTensor(outDtype, outDims, out);
}

/** Integer division truncates toward zero, as ONNX Runtime's Div on integers. */
export function divide(a: number, b: number, dtype: DType): number {
  if (isFloat(dtype)) return a / b;
  if (b === 0) return 0;
  return Math.trunc(a / b);
}

/** A tensor's values gathered at flat indices (a permutation, slice or gather), as a new tensor. */
export function pick(t: Tensor, dims: readonly number[], index: ArrayLike<number>): Tensor {
  const d = t.data;
  if (Array.isArray(d))
    return new Tensor(
      t.dtype,
      dims,
      Array.from(index, (i) => d[i]!),
    );
  const Ctor = d.constructor as { new (n: number): typeof d };
  const out = new Ctor(index.length);
  for (let i = 0; i < index.length; i++) (out as any)[i] = d[index[i]!];
  return new Tensor(t.dtype, dims, out);
}
