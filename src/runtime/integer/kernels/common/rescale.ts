import {
  exactLog2,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  pow2Scaler,
  shiftRound,
  clamp,
} from '../../fixed-point.js';
import type { Arithmetic, KernelContext, ValueMeta } from '../../types.js';
import type { WasmArena } from '../../wasm/arena.js';
import { activationRange, channelScales, fusedActivation, type Scalar } from './params.js';

/** What a conv/FC output stage needs: parameters of x, w (per channel), y, the int32 bias and Σw per channel. */
export interface RescaleSpec {
  input: Scalar;
  weightScales: number[];
  output: Scalar;
  bias?: Int32Array;
  /** Σ w over each output channel's taps: input zero-point correction, acc - z_in Σw. */
  weightSums: Int32Array;
  range: [number, number];
  /** The most rows one call rescales (sizes the WebAssembly output buffer). */
  rows: number;
}

/**
 * Turns rows of raw accumulators Σ w x (row r, channel c at acc[r * stride + c]) into int8 outputs
 * (row r, channel c at out[r * C + c]).
 */
export interface ChannelRescale {
  rows(acc: Int32Array, rows: number, out: Int8Array, stride: number): void;
  /** The same on accumulators in the plan's WebAssembly memory at byte offset `acc`, where available. */
  native?(acc: number, rows: number, out: Int8Array, stride: number): void;
}

export function channelRescale(cx: KernelContext, spec: RescaleSpec): ChannelRescale {
  if (cx.arith.scheme === 'pow2') return pow2Rescale(spec, cx.arith, cx.arena());
  const arena = cx.arena();
  if (cx.arith.affineKernels !== 'litert') {
    const js = affineRescale(spec);
    return arena ? { rows: js.rows, native: nativeFixedRescale(arena, spec) } : js;
  }
  const js = floatRescale(spec);
  return arena ? { rows: js.rows, native: nativeFloatRescale(arena, spec) } : js;
}

/**
 * channelRescale for a conv, depthwise conv or FC op from its own operands: the per-channel scales of its
 * weights `w`, its int32 bias `b`, its fused activation's range on `output`; one output channel per entry
 * of `weightSums`.
 */
export function weightedRescale(
  cx: KernelContext,
  input: Scalar,
  w: ValueMeta,
  b: ValueMeta | undefined,
  output: Scalar,
  weightSums: Int32Array,
  rows: number,
): ChannelRescale {
  return channelRescale(cx, {
    input,
    weightScales: channelScales(cx, w, weightSums.length),
    output,
    bias: b?.data as Int32Array | undefined,
    weightSums,
    range: activationRange(cx, fusedActivation(cx), output),
    rows,
  });
}

/** Bias and input zero-point correction per channel: acc + b - z_in Σw. */
function addends(spec: RescaleSpec): Int32Array {
  return Int32Array.from(
    spec.weightScales,
    (_, c) => (spec.bias?.[c] ?? 0) - spec.input.zeroPoint * spec.weightSums[c]!,
  );
}

/** affineRescale's arithmetic in the WebAssembly kernel `requantFixed` (int8-module.ts). */
function nativeFixedRescale(arena: WasmArena, spec: RescaleSpec): NonNullable<ChannelRescale['native']> {
  const m = spec.weightScales.map((w) => quantizeMultiplier((spec.input.scale * w) / spec.output.scale));
  const table = (f: (q: (typeof m)[number]) => number) => Int32Array.from(m, f);
  const zo = spec.output.zeroPoint;
  return scalarNative(
    arena,
    spec,
    arena.requantFixed,
    addends(spec),
    [table((q) => q.multiplier), table((q) => Math.max(q.shift, 0)), table((q) => Math.max(-q.shift, 0))],
    [zo],
  );
}

/**
 * A scalar WebAssembly requantization: `pre` and the per-channel `tables` copied into the arena once, then
 * kernel(c, rows, n, pre, lo, hi, out, C, ...tables, ...scalars) into a scratch row block and out.
 */
function scalarNative(
  arena: WasmArena,
  spec: RescaleSpec,
  kernel: (...args: number[]) => void,
  pre: Int32Array,
  tables: Int32Array[],
  scalars: number[] = [],
): NonNullable<ChannelRescale['native']> {
  const C = pre.length;
  const stored = [pre, ...tables].map((t) => {
    const region = arena.alloc(t.length * 4);
    region.int32().set(t);
    return region.offset;
  });
  const out = arena.scratch(spec.rows * C, 'rows');
  const [lo, hi] = spec.range;
  const [preAt, ...tableAt] = stored;
  return (acc, rows, target, stride) => {
    kernel(acc, rows, stride, preAt!, lo, hi, out.offset, C, ...tableAt, ...scalars);
    target.set(out.int8().subarray(0, rows * C));
  };
}

/**
 * pow2Rescale's shifts in the WebAssembly kernel `requantShift` (requant-kernels.ts), four channels a
 * step: each shift k as the float64 2^-k it multiplies by, tables padded to a multiple of 4 channels.
 */
function nativeShiftRescale(
  arena: WasmArena,
  spec: RescaleSpec,
  pre: Int32Array,
  k: Int32Array,
  post: Int32Array,
): NonNullable<ChannelRescale['native']> {
  const C = pre.length;
  const padded = Math.ceil(C / 4) * 4;
  const table = (values: Int32Array) => {
    const region = arena.alloc(padded * 4);
    region.int32().set(values);
    return region.offset;
  };
  const scale = arena.alloc(padded * 8);
  scale.float64().set(Array.from(k, (s) => 2 ** -s));
  const [preAt, postAt] = [table(pre), table(post)];
  const out = arena.scratch(spec.rows * C + 8, 'rows');
  const [lo, hi] = spec.range;
  return (acc, rows, target, stride) => {
    arena.requantShift(acc, rows, stride, preAt, lo, hi, out.offset, C, scale.offset, postAt);
    target.set(out.int8().subarray(0, rows * C));
  };
}

/** floatRescale's arithmetic in the WebAssembly kernel `requant` (int8-module.ts), four channels a step. */
function nativeFloatRescale(arena: WasmArena, spec: RescaleSpec): NonNullable<ChannelRescale['native']> {
  const C = spec.weightScales.length;
  const padded = Math.ceil(C / 8) * 8;
  const add = arena.alloc(padded * 4);
  add.int32().set(addends(spec));
  const scale = arena.alloc(padded * 4);
  scale
    .float32()
    .set(spec.weightScales.map((w) => Math.fround(Math.fround(spec.input.scale * w) / spec.output.scale)));
  const out = arena.scratch(spec.rows * C + 8, 'rows');
  const [lo, hi] = spec.range;
  return (acc, rows, target, stride) => {
    arena.requant(acc, rows, stride, add.offset, scale.offset, spec.output.zeroPoint, lo, hi, out.offset, C);
    target.set(out.int8().subarray(0, rows * C));
  };
}

/**
 * XNNPACK's fp32 requantization (what LiteRT runs for int8 conv and FC): the channel's scale
 * s_in * s_w / s_out in float32, (float) acc times it in float32, rounded half to even, + z_out.
 */
function floatRescale(spec: RescaleSpec): ChannelRescale {
  const n = spec.weightScales.length;
  const add = addends(spec);
  const scale = Float64Array.from(spec.weightScales, (w) =>
    Math.fround(Math.fround(spec.input.scale * w) / spec.output.scale),
  );
  const zo = spec.output.zeroPoint;
  const [lo, hi] = spec.range;
  return {
    rows(acc, rows, out, stride) {
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
          // Rounded half to even by the magic-number trick; past 2^51 the clamp decides anyway.
          const v = Math.fround(Math.fround(acc[a]! + add[j]!) * scale[j]!) + MAGIC - MAGIC + zo;
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    },
  };
}

/** TFLite reference: acc + bias, MultiplyByQuantizedMultiplier(s_in s_w / s_out), + z_out, clamp. */
function affineRescale(spec: RescaleSpec): ChannelRescale {
  const n = spec.weightScales.length;
  const add = addends(spec);
  const mult = new Int32Array(n);
  const shift = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const m = quantizeMultiplier((spec.input.scale * spec.weightScales[c]!) / spec.output.scale);
    mult[c] = m.multiplier;
    shift[c] = m.shift;
  }
  const zo = spec.output.zeroPoint;
  const [lo, hi] = spec.range;
  return {
    rows(acc, rows, out, stride) {
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
          const v = multiplyByQuantizedMultiplier((acc[a]! + add[j]!) | 0, mult[j]!, shift[j]!) + zo;
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    },
  };
}

/**
 * DESIGN.md pow2: k = log2(s_out / (s_in s_w)). B16: (acc + b16) >> k; B8: (acc >> k) + b8 with b8 the
 * file's b8 2^k divided back by 2^k; 'nearest' adds 2^(k-1) before the shift; saturation to the range. The
 * rounding is `accumulatorRounding` where given, else `rounding`.
 */
function pow2Rescale(spec: RescaleSpec, arith: Arithmetic, arena: WasmArena | undefined): ChannelRescale {
  const n = spec.weightScales.length;
  const pre = new Int32Array(n);
  const post = new Int32Array(n);
  const k = new Int32Array(n);
  const scalers: ((x: number) => number)[] = [];
  const rounding = arith.accumulatorRounding ?? arith.rounding;
  for (let c = 0; c < n; c++) {
    const ratio = (spec.input.scale * spec.weightScales[c]!) / spec.output.scale;
    const kc = exactLog2(1 / ratio);
    const b = spec.bias?.[c] ?? 0;
    // A ratio that is not 2^-k (an input on a spec-fixed scale): the exact product, same rounding rule.
    k[c] = kc ?? NOT_A_SHIFT;
    scalers[c] = pow2Scaler(ratio, rounding);
    const half = rounding === 'nearest' && kc !== undefined && kc > 0 ? 2 ** (kc - 1) : 0;
    if (rounding === 'even' && kc !== undefined && kc > 0) k[c] = NOT_A_SHIFT;
    const b16 = arith.biasMode === 'B16' ? clamp(b, -32768, 32767) : 0;
    const b8 = arith.biasMode === 'B8' ? clamp(roundHalfAway(b * ratio), -128, 127) : 0;
    pre[c] = b16 + half - spec.input.zeroPoint * spec.weightSums[c]!;
    post[c] = b8 + spec.output.zeroPoint;
  }
  const [lo, hi] = spec.range;
  const shifts = k.every((s) => s >= 0 && s < 32);
  const native = arena && shifts ? nativeShiftRescale(arena, spec, pre, k, post) : undefined;
  return {
    native,
    rows(acc, rows, out, stride) {
      for (let r = 0, i = 0; r < rows; r++) {
        for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
          const s = k[j]!;
          const t = acc[a]! + pre[j]!;
          const v =
            (s > 0 && s < 32 ? t >> s : s === NOT_A_SHIFT ? scalers[j]!(t) : shiftRound(t, s, 'floor')) +
            post[j]!;
          out[i] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    },
  };
}

const NOT_A_SHIFT = -(2 ** 30);
/** 1.5 * 2^52 (see roundHalfEven). */
const MAGIC = 6755399441055744;
