import { describe, expect, it } from 'vitest';
import {
  affineActivation,
  pow2ActivationScale,
  pow2WeightScale,
  quantizeBias,
} from '../../src/quant/params.js';

describe('pow2 parameters (DESIGN.md)', () => {
  it('activation scale is the smallest 2^n / input_scale whose int8 range covers the magnitude', () => {
    // input_scale 10, |x| up to 20: 127 * 2^n / 10 >= 20 -> 2^n >= 1.575 -> n = 1 -> 0.2
    expect(pow2ActivationScale({ min: -20, max: 5 }, 10)).toBeCloseTo(0.2, 12);
    // |x| up to 12.7 fits n = 0 exactly: 127 / 10 = 12.7
    expect(pow2ActivationScale({ min: 0, max: 12.7 }, 10)).toBeCloseTo(0.1, 12);
    // small ranges give negative n: |x| <= 1, input_scale 10: 127 * 2^n / 10 >= 1 -> n = -3 (12.7/8 = 1.5875)
    expect(pow2ActivationScale({ min: -1, max: 1 }, 10)).toBeCloseTo(2 ** -3 / 10, 12);
  });

  it('weight scale is 2^-f with the largest f keeping max|w| * 2^f <= 127', () => {
    // max 0.5: 0.5 * 2^8 = 128 > 127, 0.5 * 2^7 = 64 -> f = 7
    expect(pow2WeightScale(0.5)).toBe(2 ** -7);
    // max 0.49: 0.49 * 256 = 125.4 -> f = 8
    expect(pow2WeightScale(0.49)).toBe(2 ** -8);
    expect(pow2WeightScale(127)).toBe(1);
  });

  it('B16 bias clamps to int16 at the accumulator scale; B8 is an int8 at the output scale times 2^k', () => {
    const b = Float32Array.of(0.3, -100, 1000);
    // accumulator scale 0.1 * 2^-7 = 1/1280: 0.3 -> 384; -100 -> -128000 -> clamp -32768
    expect(Array.from(quantizeBias(b, 0.1, Float64Array.of(2 ** -7), 'B16', 0.2))).toEqual([
      384, -32768, 32767,
    ]);
    // B8: output scale 0.2: 0.3 / 0.2 = 1.5 -> 2; * (0.2 * 1280 = 256) = 512; -100 -> -128 * 256
    expect(Array.from(quantizeBias(b, 0.1, Float64Array.of(2 ** -7), 'B8', 0.2))).toEqual([
      512,
      -128 * 256,
      127 * 256,
    ]);
  });
});

describe('affine parameters', () => {
  it('include zero exactly and span 255 steps', () => {
    const p = affineActivation({ min: -1, max: 3 });
    expect(p.scale).toBeCloseTo(4 / 255, 12);
    expect(p.zeroPoint).toBe(Math.round(-128 + 1 / (4 / 255)));
    const relu = affineActivation({ min: 0, max: 6 });
    expect(relu.zeroPoint).toBe(-128);
  });
});

describe('pow2 B16: biases that would not fit int16 lower the weight exponent', () => {
  it('moves only the channel that needs it, to the smallest power of two that fits', async () => {
    const { fitB16Bias } = await import('../../src/quant/qdq.js');
    const { Tensor } = await import('../../src/ir/tensor.js');
    const weights = Tensor.float32([2, 1], [0.1, 0.1]);
    const qw = {
      name: 'w',
      dims: [2, 1],
      values: Int8Array.of(102, 102),
      params: { scale: Float64Array.of(2 ** -10, 2 ** -10), zeroPoint: new Int32Array(2), axis: 0 },
    };
    // s_in = 1/80: channel 0's bias 1.0 needs s_w >= 1 / (32767 / 80) = 0.00244 -> 2^-8; channel 1's 0.01 fits.
    const changed = fitB16Bias(qw, weights, Float32Array.of(1, 0.01), 1 / 80);
    expect(changed).toBe(1);
    expect(Array.from(qw.params.scale)).toEqual([2 ** -8, 2 ** -10]);
    // weights re-quantized at the new scale: 0.1 * 256 = 25.6 -> 26; channel 1 unchanged
    expect(Array.from(qw.values)).toEqual([26, 102]);
    // the bias now fits: 1 / (1/80 * 2^-8) = 20480
    expect(Array.from(quantizeBias(Float32Array.of(1), 1 / 80, Float64Array.of(2 ** -8), 'B16', 1))).toEqual([
      20480,
    ]);
  });
});
