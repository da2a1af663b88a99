import { Tensor } from '../ir/tensor.js';
import { affineWeightScale, clampInt, perTensor, type QParams } from '../quant/params.js';

/** A new Tensor object over the same data carrying `p` (tensors are shared, never mutated). */
export function withParams(t: Tensor, p: QParams): Tensor {
  const out = new Tensor(t.dtype, t.dims, t.data);
  out.extra = t.extra;
  out.quant = p;
  return out;
}

/** Equal parameters, scales to float32 precision (they are stored as float32 in both formats). */
export function sameParams(a: QParams | undefined, b: QParams | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.scale.length !== b.scale.length || (a.axis ?? 0) !== (b.axis ?? 0)) return false;
  return (
    a.bits === b.bits &&
    a.scale.every((s, i) => Math.fround(s) === Math.fround(b.scale[i]!)) &&
    a.zeroPoint.every((z, i) => z === b.zeroPoint[i])
  );
}

/** Channel of flat index i along `axis` of `dims` (0 for per-tensor parameters). */
function channelIndexer(dims: readonly number[], q: { scale: ArrayLike<number>; axis?: number }) {
  if (q.scale.length === 1) return () => 0;
  const axis = q.axis ?? 0;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = dims[axis]!;
  return (i: number) => Math.floor(i / inner) % channels;
}

/** Real values of a constant: dequantized when it carries parameters, else converted to float32. */
export function realValues(t: Tensor): Float32Array {
  const q = t.quant;
  if (!q) return t.toFloat32();
  const raw = t.toNumbers();
  const ch = channelIndexer(t.dims, q);
  return Float32Array.from(raw, (v, i) => (v - (q.zeroPoint[ch(i)] ?? 0)) * q.scale[ch(i)]!);
}

const RANGE = { int8: [-128, 127], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 53), 2 ** 53] } as const;

/** Values quantized with `p` (round half away from zero, as TFLite), annotated. */
export function quantizeValues(
  values: Float32Array,
  dims: readonly number[],
  p: QParams,
  dtype: 'int8' | 'int32' | 'int64',
): Tensor {
  const [lo, hi] = RANGE[dtype];
  const ch = channelIndexer(dims, p);
  const q = (i: number) => clampInt(roundAway(values[i]! / p.scale[ch(i)]!) + p.zeroPoint[ch(i)]!, lo, hi);
  // int64: the bias of TFLite's 16x8 conv and FC kernels.
  if (dtype === 'int64') {
    return withParams(
      new Tensor(
        'int64',
        dims,
        BigInt64Array.from(values, (_, i) => BigInt(q(i))),
      ),
      p,
    );
  }
  const out = dtype === 'int8' ? new Int8Array(values.length) : new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = q(i);
  return withParams(new Tensor(dtype, dims, out), p);
}

export const roundAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));

/** Symmetric per-tensor int8 parameters for a constant operand the QDQ graph left float. */
export function symmetricParams(values: Float32Array): QParams {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return perTensor(affineWeightScale(m), 0);
}

/** How a value with these parameters is stored: int16 (16x8 activations), int8, or float32 without. */
export const storedType = (p: QParams | undefined): 'int16' | 'int8' | 'float32' =>
  p ? (p.bits === 16 ? 'int16' : 'int8') : 'float32';

/** The real range an int8 tensor with per-tensor parameters `p` can hold. */
export function int8Range(p: QParams): { min: number; max: number } {
  const s = p.scale[0]!;
  const z = p.zeroPoint[0]!;
  return { min: (-128 - z) * s, max: (127 - z) * s };
}
