/**
 * Quantization parameters as IR data: the one type the quantizer assigns, the converter carries, the
 * exporters write (Q/DQ operands, TFLite QuantizationParameters) and the integer executor reads.
 */

/**
 * One value's or constant's parameters: real = (q - zeroPoint) * scale, per tensor (one scale) or per
 * channel along `axis`. The element width is the value's dtype (int8 activations and weights, int32
 * biases at the accumulator's scale).
 */
export interface QParams {
  scale: Float64Array;
  zeroPoint: Int32Array;
  /** Channel axis of per-channel parameters (TFLite `quantized_dimension`). */
  axis?: number;
  /** The float range a TFLite file records beside (or instead of) the scales, kept for a round trip. */
  min?: number[];
  max?: number[];
  /**
   * 16: stored int16 (TFLite 16x8 and ONNX Runtime's 16-bit QDQ activations: symmetric, zero point 0);
   * absent: int8 (or the integer type a constant's tensor has).
   */
  bits?: 16;
}

export function perTensor(scale: number, zeroPoint = 0): QParams {
  return { scale: Float64Array.of(scale), zeroPoint: Int32Array.of(zeroPoint) };
}

/** pow2 bias width: B8 adds an 8-bit bias after the shift, B16 a 16-bit one before it (DESIGN.md). */
export type BiasMode = 'B8' | 'B16';

/**
 * What the pow2 target's right shift does: 'nearest' rounds (the files hold the plain bias); 'floor'
 * truncates, as the original hardware does, and the files fold the rounding into the bias.
 */
export type ShiftRounding = 'floor' | 'nearest';

/**
 * The scheme a model's integers were made for: the facts its numbers do not tell apart (an affine file
 * may happen to hold power-of-two scales; a B8 bias b8 * 2^k fits int16 as often as not). The quantizer
 * sets it on the model, the TFLite exporter writes it as a metadata entry, the integer executor reads it.
 */
export type QuantScheme =
  | { scheme: 'affine' }
  | {
      scheme: 'pow2';
      biasMode: BiasMode;
      /** The shift the biases were made for ('floor' carries the rounding offset in them). */
      rounding: ShiftRounding;
    };
