/**
 * Element types of the IR: every ONNX tensor type (onnx.proto TensorProto.DataType), named as the
 * project speaks of them. The ONNX code of each is a fact of the spec and is used only by the ONNX format.
 */
export const DTYPES = {
  float32: { onnx: 1, bits: 32 },
  uint8: { onnx: 2, bits: 8 },
  int8: { onnx: 3, bits: 8 },
  uint16: { onnx: 4, bits: 16 },
  int16: { onnx: 5, bits: 16 },
  int32: { onnx: 6, bits: 32 },
  int64: { onnx: 7, bits: 64 },
  string: { onnx: 8, bits: 0 },
  bool: { onnx: 9, bits: 8 },
  float16: { onnx: 10, bits: 16 },
  float64: { onnx: 11, bits: 64 },
  uint32: { onnx: 12, bits: 32 },
  uint64: { onnx: 13, bits: 64 },
  complex64: { onnx: 14, bits: 64 },
  complex128: { onnx: 15, bits: 128 },
  bfloat16: { onnx: 16, bits: 16 },
  float8e4m3fn: { onnx: 17, bits: 8 },
  float8e4m3fnuz: { onnx: 18, bits: 8 },
  float8e5m2: { onnx: 19, bits: 8 },
  float8e5m2fnuz: { onnx: 20, bits: 8 },
  uint4: { onnx: 21, bits: 4 },
  int4: { onnx: 22, bits: 4 },
  float4e2m1: { onnx: 23, bits: 4 },
  float8e8m0: { onnx: 24, bits: 8 },
  uint2: { onnx: 25, bits: 2 },
  int2: { onnx: 26, bits: 2 },
} as const;

export type DType = keyof typeof DTYPES;

const BY_ONNX = new Map<number, DType>(
  (Object.keys(DTYPES) as DType[]).map((name) => [DTYPES[name].onnx, name]),
);

export function dtypeFromOnnx(code: number): DType | undefined {
  return BY_ONNX.get(code);
}

export function onnxCode(dtype: DType): number {
  return DTYPES[dtype].onnx;
}

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** The typed array holding one element per value, or `undefined` for types stored as packed bytes. */
type ArrayCtor = {
  new (n: number): TypedArray;
  new (b: ArrayBufferLike, o: number, n: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

const ARRAY_OF: Partial<Record<DType, ArrayCtor>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  // 16-bit floats are kept as their bit patterns.
  float16: Uint16Array,
  bfloat16: Uint16Array,
  // complex numbers as interleaved (re, im) pairs.
  complex64: Float32Array,
  complex128: Float64Array,
  // 8-bit floats as their bit patterns.
  float8e4m3fn: Uint8Array,
  float8e4m3fnuz: Uint8Array,
  float8e5m2: Uint8Array,
  float8e5m2fnuz: Uint8Array,
  float8e8m0: Uint8Array,
};

export function arrayTypeOf(dtype: DType): ArrayCtor | undefined {
  return ARRAY_OF[dtype];
}

/** Elements per value in the backing array (2 for complex types). */
export function lanesOf(dtype: DType): number {
  return dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
}

/** Sub-byte types (int4, uint4, float4e2m1, int2, uint2) are stored packed, low bits first, as in ONNX. */
export function isPacked(dtype: DType): boolean {
  return DTYPES[dtype].bits < 8 && dtype !== 'string';
}

/** Bytes needed for `count` elements of `dtype` (packed types round up). */
export function byteLength(dtype: DType, count: number): number {
  const bits = DTYPES[dtype].bits;
  return Math.ceil((bits * count) / 8);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}
