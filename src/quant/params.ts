import type { BiasMode, ShiftRounding } from '../ir/qparams.js';
import type { Range } from './observers.js';

export { perTensor, type BiasMode, type QParams, type ShiftRounding } from '../ir/qparams.js';

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/**
 * pow2 activations (DESIGN.md): symmetric, zero point 0, scale 2^n / inputScale with the smallest integer
 * n whose int8 range covers the calibrated magnitude, so that every rescale is a shift.
 */
export function pow2ActivationScale(range: Range, inputScale: number): number {
  const mag = Math.max(Math.abs(range.min), Math.abs(range.max));
  if (!(mag > 0)) return 1 / inputScale;
  const n = Math.ceil(Math.log2((mag * inputScale) / INT8_MAX) - 1e-12);
  return 2 ** n / inputScale;
}

/** Magnitudes of a tensor on equal bins over [0, width * bins.length] (HistogramObserver's bins). */
export interface Magnitudes {
  bins: Float64Array;
  width: number;
}

/**
 * pow2 activation scale chosen by error: of the grids 2^-3 .. 2^1 times `rangeScale` (the one the
 * calibrated range gives), the one whose symmetric int8 quantization of the observed magnitudes has the
 * least squared error (clipping past 127 steps, rounding elsewhere; Vitis AI's MinMSE tries five too).
 * A range-covering grid spends most of its steps on rare extremes: on PP-OCRv4 rec's conv outputs
 * (max |x| 17.5, most values under 2) a step a quarter as wide clips a few values and halves the error
 * of the rest.
 */
export function pow2ScaleByError(h: Magnitudes, rangeScale: number): number {
  let best = rangeScale;
  let bestErr = Infinity;
  for (let k = 1; k >= -3; k--) {
    const step = rangeScale * 2 ** k;
    const err = magnitudeError(h, step);
    // Ties keep the wider grid (the range's own, or a wider one): clipping less when it costs nothing.
    if (err < bestErr * (1 - 1e-9)) {
      bestErr = err;
      best = step;
    }
  }
  return best;
}

/**
 * Squared error of rounding the magnitudes to multiples of `step`, clipped at 127 steps. A bin's values
 * are taken as spread evenly over it: a bin narrower than a step contributes its centre's own rounding
 * error, a wider one step^2 / 12 a value (uniform rounding error).
 */
export function magnitudeError(h: Magnitudes, step: number): number {
  const top = INT8_MAX * step;
  let err = 0;
  for (let i = 0; i < h.bins.length; i++) {
    const n = h.bins[i]!;
    if (n === 0) continue;
    const c = (i + 0.5) * h.width;
    if (c > top) err += n * (c - top) ** 2;
    else if (h.width < step) err += n * (c - Math.round(c / step) * step) ** 2 + (n * h.width * h.width) / 12;
    else err += (n * step * step) / 12;
  }
  return err;
}

/**
 * pow2 weights: scale 2^-f with f the largest integer keeping max|w| * 2^f <= 127. All-zero channels get
 * f = 0 (any scale represents them exactly).
 */
export function pow2WeightScale(maxAbs: number): number {
  if (!(maxAbs > 0)) return 1;
  const f = Math.floor(Math.log2(INT8_MAX / maxAbs) + 1e-12);
  return 2 ** -f;
}

/**
 * pow2 weight scales per channel, none finer than 2^-16 of the widest channel's. A channel of near-zero
 * weights (PP-OCRv4 rec's squeeze-and-excitation convs have some with max |w| near 1e-38) would take a
 * scale down to 2^-133 and a requantization ratio s_in * s_w / s_out below 2^-32, which LiteRT does not
 * run as it runs the other convs (it rounded a tie there up where ONNX Runtime rounds to even, and the
 * two files parted). At 2^-16 of the widest such a channel's int8 weights are 0 either way: its outputs,
 * 2^16 times smaller than the others' on the same output grid, round to its bias alone.
 */
export function pow2ChannelScales(maxAbs: Float64Array): Float64Array {
  return floorChannelScales(maxAbs.map(pow2WeightScale), maxAbs);
}

/**
 * Affine weight scales per channel (max |w| / 127), none finer than 2^-16 of the widest channel's, as
 * pow2ChannelScales for the same reason. PP-OCRv4 rec after BatchNorm folding has dead channels (max |w|
 * 1e-38 and below, bias -0.8) whose scale max |w| / 127 is a float32 subnormal: XNNPACK refuses such a
 * conv and LiteRT runs it in its reference kernel (0.4 s for one 480x480 1x1 conv at 6x80, 2 ms
 * delegated), and the bias, at s_in * s_w, clamps at int32's end, so the channel outputs 0 instead of its
 * bias. Floored, its int8 weights are 0 (as |w| x is far below the shared output step either way) and
 * its bias is kept.
 */
export function affineChannelScales(maxAbs: Float64Array): Float64Array {
  return floorChannelScales(maxAbs.map(affineWeightScale), maxAbs);
}

/** `scale` raised to 2^-16 of the widest nonzero channel's (an all-zero channel's 1 says nothing). */
function floorChannelScales(scale: Float64Array, maxAbs: Float64Array): Float64Array {
  let widest = 0;
  scale.forEach((v, c) => {
    if (maxAbs[c]! > 0 && v > widest) widest = v;
  });
  return scale.map((v) => Math.max(v, widest * 2 ** -16));
}

/**
 * pow2 weight scales per channel chosen by error: of the range's scale (`pow2ChannelScales`) and the two
 * grids 2^-1 and 2^-2 as wide, the one whose int8 rounding of the channel's weights (clipped at +-127
 * steps) has the least squared error. A channel whose widest weight is an outlier spends half its steps
 * on it; a grid twice as fine clips that one weight and halves the rounding error of all the others.
 * The quantizer uses it for the weights of ops that sum products (Conv, Gemm, MatMul: qdq.ts), where one
 * clipped weight's error is one term of a sum; on a binary op's constant (an embedding row, a LayerNorm
 * scale) a clipped value reaches the output as it is.
 */
export function pow2ChannelScalesByError(
  values: Float32Array,
  dims: readonly number[],
  axis: number | undefined,
  maxAbs: Float64Array,
): Float64Array {
  const base = pow2ChannelScales(maxAbs);
  const best = base.slice();
  const bestErr = channelErrors(values, dims, base, axis);
  for (const k of [1, 2]) {
    const scales = base.map((v) => v * 2 ** -k);
    const err = channelErrors(values, dims, scales, axis);
    // Ties keep the wider grid (clipping nothing when it costs nothing).
    err.forEach((e, c) => {
      if (e < bestErr[c]! * (1 - 1e-9)) [bestErr[c], best[c]] = [e, scales[c]!];
    });
  }
  return best;
}

/** Squared error per channel of symmetric int8 rounding with `scales` (channels walked as quantizeWeights). */
export function channelErrors(
  values: Float32Array,
  dims: readonly number[],
  scales: Float64Array,
  axis: number | undefined,
): Float64Array {
  const channels = axis === undefined ? 1 : dims[axis]!;
  const inner = axis === undefined ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const err = new Float64Array(channels);
  if (inner === 0) return err;
  for (let i = 0; i < values.length;) {
    for (let c = 0; c < channels; c++) {
      const s = scales[c]!;
      for (const end = Math.min(i + inner, values.length); i < end; i++) {
        const v = values[i]!;
        err[c] += (v - clampInt(Math.round(v / s), INT8_MIN, INT8_MAX) * s) ** 2;
      }
    }
  }
  return err;
}

/** Standard symmetric int8 weight scale (TFLite int8 spec: weights symmetric, zero point 0). */
export function affineWeightScale(maxAbs: number): number {
  return maxAbs > 0 ? maxAbs / INT8_MAX : 1;
}

/**
 * Standard asymmetric int8 activation parameters. The range is widened to include 0, so that zero is
 * exactly representable (the spec requires it: padding and ReLU produce exact zeros).
 */
export function affineActivation(range: Range): { scale: number; zeroPoint: number } {
  const lo = Math.min(range.min, 0);
  const hi = Math.max(range.max, 0);
  if (!(hi - lo > 0)) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / (INT8_MAX - INT8_MIN);
  const zeroPoint = clampInt(Math.round(INT8_MIN - lo / scale), INT8_MIN, INT8_MAX);
  return { scale, zeroPoint };
}

/** The zero point that puts `range` (widened to include 0) on an int8 grid of the given scale. */
export function affineZeroPoint(range: Range, scale: number): number {
  return clampInt(Math.round(INT8_MIN - Math.min(range.min, 0) / scale), INT8_MIN, INT8_MAX);
}

/** Max |w| per slice along `axis` (or over the whole tensor when axis is undefined). */
export function maxAbsPerChannel(values: Float32Array, dims: readonly number[], axis?: number): Float64Array {
  if (axis === undefined) {
    let m = 0;
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
    return Float64Array.of(m);
  }
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(channels);
  // Value i is in channel floor(i / inner) % channels: walked as blocks of channels of `inner` values,
  // without a division per value (weights pass through here and quantizeWeights while code is cold).
  if (inner === 0) return out;
  for (let i = 0; i < values.length;) {
    for (let c = 0; c < channels; c++) {
      for (const end = Math.min(i + inner, values.length); i < end; i++) {
        const a = Math.abs(values[i]!);
        if (a > out[c]!) out[c] = a;
      }
    }
  }
  return out;
}

/** Symmetric int8 quantization of weights with per-channel (or per-tensor) scales, rounding to nearest. */
export function quantizeWeights(
  values: Float32Array,
  dims: readonly number[],
  scales: Float64Array,
  axis?: number,
): Int8Array {
  const out = new Int8Array(values.length);
  const channels = axis === undefined ? 1 : dims[axis]!;
  const inner = axis === undefined ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  // Channel by channel as maxAbsPerChannel walks them.
  if (inner === 0) return out;
  for (let i = 0; i < values.length;) {
    for (let c = 0; c < channels; c++) {
      const s = scales[c]!;
      for (const end = Math.min(i + inner, values.length); i < end; i++)
        out[i] = clampInt(Math.round(values[i]! / s), INT8_MIN, INT8_MAX);
    }
  }
  return out;
}

export function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * The conv/FC output shift k = log2(s_out / (s_in s_w)) of a pow2 layer; 0 where the output is not coarser
 * than the accumulator (no right shift, nothing to round) or the ratio is no power of two (an output the
 * TFLite spec fixes). Scales may be float32 roundings of the same 2^n / input_scale, hence the tolerance.
 */
export function outputShift(outputScale: number, accScale: number): number {
  const ratio = outputScale / accScale;
  const k = Math.round(Math.log2(ratio));
  return k > 0 && Math.abs(ratio / 2 ** k - 1) < 1e-6 ? k : 0;
}

/**
 * The int32 bias stored at the accumulator's scale s_in * s_w (DESIGN.md).
 * - affine: round(b / (s_in s_w)).
 * - pow2 B16: a 16-bit bias added before the shift: clamp(round(b / (s_in s_w)), int16).
 * - pow2 B8: an 8-bit bias at the output scale added after the shift, stored as b8 * 2^k where
 *   2^k = s_out / (s_in s_w), so runtimes that add the bias before rescaling compute the same sum.
 * With `rounding` 'floor' (pow2 only) the bias also carries the rounding the truncating shift lacks
 * (`pow2Bias`).
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float64Array,
  mode: 'affine' | BiasMode,
  outputScale: number,
  rounding: ShiftRounding = 'nearest',
): Int32Array {
  const out = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const acc = inputScale * weightScales[weightScales.length === 1 ? 0 : c]!;
    if (mode === 'affine') out[c] = clampInt(Math.round(bias[c]! / acc), -(2 ** 31), 2 ** 31 - 1);
    else out[c] = pow2Bias(bias[c]!, acc, outputScale, mode, rounding);
  }
  return out;
}

/**
 * One pow2 bias at the accumulator scale `acc`, for an output shift k (`outputShift`).
 * - B16, 'floor': round(b / acc) + 2^(k-1), clamped to int16. The hardware computes
 *   floor((Σ + b16) / 2^k); with the half step in the bias that is Σ / 2^k + b rounded half up, what
 *   'nearest' computes with the plain bias (CMSIS-NN's q7 kernels start the accumulator at
 *   (bias << bias_shift) + NN_ROUND(out_shift) for the same reason).
 * - B8, 'floor': the hardware computes floor(Σ / 2^k) + b8 = floor(Σ / 2^k + b8), where 'nearest' computes
 *   floor(Σ / 2^k + 1/2) + round(b / s_out). The int8 b8 nearest b / s_out + 1/2 puts the same half step
 *   back, up to the rounding of b8 (at most half a step per channel, as 'nearest' has). With Σ mod 2^k
 *   uniform, floor loses 1/2 - 2^-(k+1) on average and a smaller offset would be unbiased, but measured on
 *   mobilenet_v1_bn it is worse (22.97 against 23.51 dB with 1/2, 21.6 with 0.4): the offset of the
 *   'nearest' arithmetic, whose ties round up, is the one to match.
 */
export function pow2Bias(
  b: number,
  acc: number,
  outputScale: number,
  mode: BiasMode,
  rounding: ShiftRounding,
): number {
  if (mode === 'B16') return clampInt(b16Value(b, acc, outputScale, rounding), -32768, 32767);
  const half = rounding === 'floor' && outputShift(outputScale, acc) > 0 ? 0.5 : 0;
  const b8 = clampInt(Math.round(b / outputScale + half), INT8_MIN, INT8_MAX);
  return Math.round(b8 * (outputScale / acc));
}

/** The B16 bias before clamping to int16: round(b / acc), plus 2^(k-1) for a truncating shift by k > 0. */
export function b16Value(b: number, acc: number, outputScale: number, rounding: ShiftRounding): number {
  const k = rounding === 'floor' ? outputShift(outputScale, acc) : 0;
  return Math.round(b / acc) + (k > 0 ? 2 ** (k - 1) : 0);
}
