import { arrayTypeOf, byteLength, isPacked, lanesOf, type DType, type TypedArray } from './dtype.js';
import type { QParams } from './qparams.js';
import { float16ToFloat32, bfloat16ToFloat32, float32ToFloat16 } from './float16.js';

export type TensorData = TypedArray | string[];

/**
 * A constant tensor. `data` holds one element per array slot (two for complex types); sub-byte types
 * (int4, uint4, ...) hold their packed bytes; strings are JS strings. Tensors are immutable by
 * convention: passes make new ones, so weights are shared between graphs without copies.
 */
export class Tensor {
  /** Set on quantized constants (int8 weights, int32 biases). */
  quant?: QParams;
  /** Anything ONNX-specific the IR does not use (doc string, metadata), kept for a lossless write. */
  extra?: Record<string, unknown>;

  constructor(
    readonly dtype: DType,
    readonly dims: readonly number[],
    readonly data: TensorData,
  ) {
    const expected = expectedLength(dtype, elementCount(dims));
    if (data.length !== expected) {
      throw new RangeError(
        `tensor of ${dtype}[${dims.join(',')}] needs ${expected} values, got ${data.length}`,
      );
    }
  }

  get size(): number {
    return elementCount(this.dims);
  }

  /** Values as float32, converting integer and half-precision types. */
  toFloat32(): Float32Array {
    const d = this.data;
    if (d instanceof Float32Array && this.dtype === 'float32') return d;
    if (this.dtype === 'float16') return mapFloat(d as Uint16Array, float16ToFloat32);
    if (this.dtype === 'bfloat16') return mapFloat(d as Uint16Array, bfloat16ToFloat32);
    if (
      Array.isArray(d) ||
      isPacked(this.dtype) ||
      this.dtype.startsWith('float8') ||
      lanesOf(this.dtype) > 1
    ) {
      throw new TypeError(`cannot read a ${this.dtype} tensor as float32`);
    }
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }

  /** Values as plain numbers (int64 converted; exact up to 2^53). */
  toNumbers(): number[] {
    const d = this.data;
    if (Array.isArray(d)) throw new TypeError('string tensor has no numbers');
    if (this.dtype === 'float16' || this.dtype === 'bfloat16') return Array.from(this.toFloat32());
    return Array.from(d as ArrayLike<number | bigint>, (v) => Number(v));
  }

  static float32(dims: readonly number[], values: ArrayLike<number>): Tensor {
    return new Tensor('float32', dims, values instanceof Float32Array ? values : Float32Array.from(values));
  }

  static int64(dims: readonly number[], values: ArrayLike<number | bigint>): Tensor {
    return new Tensor(
      'int64',
      dims,
      BigInt64Array.from(values as ArrayLike<bigint>, (v) => BigInt(v)),
    );
  }

  static int32(dims: readonly number[], values: ArrayLike<number>): Tensor {
    return new Tensor('int32', dims, Int32Array.from(values));
  }

  static float16FromFloat32(dims: readonly number[], values: ArrayLike<number>): Tensor {
    const bits = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16(values[i]!);
    return new Tensor('float16', dims, bits);
  }

  /**
   * A tensor over raw little-endian bytes. The typed array views `bytes` without a copy when its offset
   * is aligned for the element type, and copies otherwise.
   */
  static fromBytes(dtype: DType, dims: readonly number[], bytes: Uint8Array): Tensor {
    const count = elementCount(dims);
    const need = byteLength(dtype, count);
    if (bytes.byteLength !== need) {
      throw new RangeError(`${dtype}[${dims.join(',')}] needs ${need} bytes, got ${bytes.byteLength}`);
    }
    if (dtype === 'string') throw new TypeError('string tensors have no raw bytes');
    if (isPacked(dtype)) return new Tensor(dtype, dims, bytes);
    const Ctor = arrayTypeOf(dtype)!;
    const n = count * lanesOf(dtype);
    if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
      return new Tensor(dtype, dims, new Ctor(bytes.buffer, bytes.byteOffset, n));
    }
    const copy = new Uint8Array(bytes);
    return new Tensor(dtype, dims, new Ctor(copy.buffer, 0, n));
  }

  /** The little-endian bytes of the data (a view when possible). */
  bytes(): Uint8Array {
    const d = this.data;
    if (Array.isArray(d)) throw new TypeError('string tensors have no raw bytes');
    return new Uint8Array(d.buffer, d.byteOffset, isPacked(this.dtype) ? d.length : d.byteLength);
  }
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function expectedLength(dtype: DType, count: number): number {
  if (isPacked(dtype)) return byteLength(dtype, count);
  return count * lanesOf(dtype);
}

function mapFloat(src: Uint16Array, f: (b: number) => number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return out;
}

/** Element-wise equality of two tensors (type, shape and values; NaN equals NaN bit for bit). */
export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.dims.length !== b.dims.length) return false;
  if (a.dims.some((d, i) => d !== b.dims[i])) return false;
  if (Array.isArray(a.data) || Array.isArray(b.data)) {
    return (
      Array.isArray(a.data) && Array.isArray(b.data) && a.data.every((s, i) => s === (b.data as string[])[i])
    );
  }
  const x = a.bytes();
  const y = b.bytes();
  if (x.length !== y.length) return false;
  return Buffer.from(x.buffer, x.byteOffset, x.length).equals(Buffer.from(y.buffer, y.byteOffset, y.length));
}
