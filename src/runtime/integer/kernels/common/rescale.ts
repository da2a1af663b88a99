import {
  exactLog2,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  roundHalfEven,
  pow2Scaler,
  shiftRound,
  clamp,
} from '../../fixed-point.js';
import type { Arithmetic, KernelContext } from '../../types.js';
import type { Scalar } from './params.js';

/** What a conv/FC output stage needs: parameters of x, w (per channel), y, the int32 bias and Σw per channel. */
export interface RescaleSpec {
  input: Scalar;
  weightScales: number[];
  output: Scalar;
  bias?: Int32Array;
  /** Σ w over each output channel's taps: input zero-point correction, acc - z_in Σw. */
  weightSums: Int32Array;
  range: [number, number];
}

/** Turns a row of raw accumulators Σ w x (channel j at acc[j]) into int8 outputs. */
export interface ChannelRescale {
  row(acc: Int32Array, n: number, out: Int8Array, offset: number): void;
}

export function channelRescale(cx: KernelContext, spec: RescaleSpec): ChannelRescale {
  if (cx.arith.scheme === 'pow2') return pow2Rescale(spec, cx.arith);
  return cx.arith.affineKernels === 'litert' ? floatRescale(spec) : affineRescale(spec);
}

/** Bias and input zero-point correction per channel: acc + b - z_in Σw. */
function addends(spec: RescaleSpec): Int32Array {
  return Int32Array.from(
    spec.weightScales,
    (_, c) => (spec.bias?.[c] ?? 0) - spec.input.zeroPoint * spec.weightSums[c]!,
  );
}

/**
 * XNNPACK's fp32 requantization (what LiteRT runs for int8 conv and FC): the channel's scale
 * s_in * s_w / s_out in float32, (float) acc times it in float32, rounded half to even, + z_out.
 */
function floatRescale(spec: RescaleSpec): ChannelRescale {
  const add = addends(spec);
  const scale = Float64Array.from(spec.weightScales, (w) =>
    Math.fround(Math.fround(spec.input.scale * w) / spec.output.scale),
  );
  const zo = spec.output.zeroPoint;
  const [lo, hi] = spec.range;
  return {
    row(acc, count, out, offset) {
      for (let j = 0; j < count; j++) {
        const v = roundHalfEven(Math.fround(Math.fround(acc[j]! + add[j]!) * scale[j]!)) + zo;
        out[offset + j] = v < lo ? lo : v > hi ? hi : v;
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
    row(acc, count, out, offset) {
      for (let j = 0; j < count; j++) {
        const v = multiplyByQuantizedMultiplier((acc[j]! + add[j]!) | 0, mult[j]!, shift[j]!) + zo;
        out[offset + j] = v < lo ? lo : v > hi ? hi : v;
      }
    },
  };
}

/**
 * DESIGN.md pow2: k = log2(s_out / (s_in s_w)). B16: (acc + b16) >> k; B8: (acc >> k) + b8 with b8 the
 * file's b8 2^k divided back by 2^k; 'nearest' adds 2^(k-1) before the shift; saturation to the range.
 */
function pow2Rescale(spec: RescaleSpec, arith: Arithmetic): ChannelRescale {
  const n = spec.weightScales.length;
  const pre = new Int32Array(n);
  const post = new Int32Array(n);
  const k = new Int32Array(n);
  const scalers: ((x: number) => number)[] = [];
  for (let c = 0; c < n; c++) {
    const ratio = (spec.input.scale * spec.weightScales[c]!) / spec.output.scale;
    const kc = exactLog2(1 / ratio);
    const b = spec.bias?.[c] ?? 0;
    // A ratio that is not 2^-k (an input on a spec-fixed scale): the exact product, same rounding rule.
    k[c] = kc ?? NOT_A_SHIFT;
    scalers[c] = pow2Scaler(ratio, arith.rounding);
    const half = arith.rounding === 'nearest' && kc !== undefined && kc > 0 ? 2 ** (kc - 1) : 0;
    if (arith.rounding === 'even' && kc !== undefined && kc > 0) k[c] = NOT_A_SHIFT;
    const b16 = arith.biasMode === 'B16' ? clamp(b, -32768, 32767) : 0;
    const b8 = arith.biasMode === 'B8' ? clamp(roundHalfAway(b * ratio), -128, 127) : 0;
    pre[c] = b16 + half - spec.input.zeroPoint * spec.weightSums[c]!;
    post[c] = b8 + spec.output.zeroPoint;
  }
  const [lo, hi] = spec.range;
  return {
    row(acc, count, out, offset) {
      for (let j = 0; j < count; j++) {
        const s = k[j]!;
        const a = acc[j]! + pre[j]!;
        const v =
          (s > 0 && s < 32 ? a >> s : s === NOT_A_SHIFT ? scalers[j]!(a) : shiftRound(a, s, 'floor')) +
          post[j]!;
        out[offset + j] = v < lo ? lo : v > hi ? hi : v;
      }
    },
  };
}

const NOT_A_SHIFT = -(2 ** 30);
