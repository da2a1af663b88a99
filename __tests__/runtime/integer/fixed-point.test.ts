import { describe, expect, it } from 'vitest';
import {
  divideRound,
  exactLog2,
  multiplyByQuantizedMultiplier,
  pow2Averager,
  pow2Scaler,
  quantizeMultiplier,
  roundHalfAway,
  roundHalfEven,
  roundingDivideByPOT,
  roundReal,
  saturatingRoundingDoublingHighMul,
  shiftRound,
} from '../../../src/runtime/integer/fixed-point.js';
import { rng } from './builder.js';

const TWO_30 = 2 ** 30;
const TWO_31 = 2 ** 31;

describe('TFLite reference fixed point', () => {
  it('QuantizeMultiplier: mantissa in [2^30, 2^31) and exponent, as frexp and round', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: TWO_30, shift: 0 }); // 0.5 = 2^30 2^(0-31)
    expect(quantizeMultiplier(1)).toEqual({ multiplier: TWO_30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 0.75 * TWO_31, shift: 0 });
    expect(quantizeMultiplier(3)).toEqual({ multiplier: 0.75 * TWO_31, shift: 2 });
    // 0.1 = 0.8 2^-3; 0.8 2^31 = 1717986918.4 rounds to 1717986918.
    expect(quantizeMultiplier(0.1)).toEqual({ multiplier: 1717986918, shift: -3 });
    // A mantissa that rounds up to 2^31 moves to the next exponent.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: TWO_30, shift: 1 });
    // Below 2^-32 the multiplier is flushed to zero.
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('SaturatingRoundingDoublingHighMul: (a b + nudge) / 2^31 toward zero, ties up, saturating', () => {
    expect(saturatingRoundingDoublingHighMul(TWO_30, TWO_30)).toBe(2 ** 29); // 2^29 + 1/2 -> toward zero
    expect(saturatingRoundingDoublingHighMul(3, TWO_30)).toBe(2); // 1.5 -> 2
    expect(saturatingRoundingDoublingHighMul(-3, TWO_30)).toBe(-1); // -1.5 -> -1 (nudge 1 - 2^30)
    expect(saturatingRoundingDoublingHighMul(-5, TWO_30)).toBe(-2); // -2.5 -> -2
    expect(saturatingRoundingDoublingHighMul(-TWO_31, -TWO_31)).toBe(TWO_31 - 1);
    expect(saturatingRoundingDoublingHighMul(TWO_31 - 1, TWO_31 - 1)).toBe(TWO_31 - 2);
  });

  it('SaturatingRoundingDoublingHighMul is exact past 2^53 (checked with BigInt on random int32 pairs)', () => {
    const random = rng(3);
    const int32 = () => Math.floor(random() * 2 ** 32) - TWO_31;
    for (let i = 0; i < 20000; i++) {
      const a = int32();
      const b = i % 2 ? int32() : TWO_30 + Math.floor(random() * TWO_30);
      const ab = BigInt(a) * BigInt(b);
      const nudge = ab >= 0n ? BigInt(TWO_30) : BigInt(1 - TWO_30);
      const expected = a === -TWO_31 && b === -TWO_31 ? TWO_31 - 1 : Number((ab + nudge) / BigInt(TWO_31));
      expect(saturatingRoundingDoublingHighMul(a, b)).toBe(expected);
    }
  });

  it('RoundingDivideByPOT: to nearest, ties away from zero', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3);
    expect(roundingDivideByPOT(-5, 1)).toBe(-3);
    expect(roundingDivideByPOT(4, 1)).toBe(2);
    expect(roundingDivideByPOT(7, 2)).toBe(2); // 1.75
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // -1.5
    expect(roundingDivideByPOT(-5, 2)).toBe(-1); // -1.25
    expect(roundingDivideByPOT(123, 0)).toBe(123);
  });

  it('MultiplyByQuantizedMultiplier rounds twice, as TFLite does (not once)', () => {
    const half = quantizeMultiplier(0.5);
    expect(multiplyByQuantizedMultiplier(5, half.multiplier, half.shift)).toBe(3); // 2.5 -> 3
    expect(multiplyByQuantizedMultiplier(-5, half.multiplier, half.shift)).toBe(-2); // -2.5 -> -2
    // 5 / 4 = 1.25: the high-mul rounds 5 / 2 = 2.5 up to 3, the divide by 2 rounds 1.5 up to 2.
    const quarter = quantizeMultiplier(0.25);
    expect(multiplyByQuantizedMultiplier(5, quarter.multiplier, quarter.shift)).toBe(2);
    const big = quantizeMultiplier(3);
    expect(multiplyByQuantizedMultiplier(100, big.multiplier, big.shift)).toBe(300);
    const third = quantizeMultiplier(0.3);
    expect(multiplyByQuantizedMultiplier(100, third.multiplier, third.shift)).toBe(30);
  });
});

describe('roundings', () => {
  it('half to even (float kernels), half away from zero (std::round)', () => {
    expect([2.5, 3.5, -2.5, -3.5, 2.4999, -1.5, 0.5].map(roundHalfEven)).toEqual([2, 4, -2, -4, 2, -2, 0]);
    expect(roundHalfEven(2 ** 51 + 0.5)).toBe(2 ** 51);
    expect(roundHalfEven(2 ** 51 + 1.5)).toBe(2 ** 51 + 2);
    expect([2.5, -2.5, 0.49, -1.5].map(roundHalfAway)).toEqual([3, -3, 0, -2]);
  });

  it('pow2 shifts: floor truncates, nearest adds 2^(k-1) first, even rounds ties to even', () => {
    // x, k, floor, nearest, even
    const cases: [number, number, number, number, number][] = [
      [-5, 1, -3, -2, -2], // -2.5
      [7, 2, 1, 2, 2], // 1.75
      [6, 2, 1, 2, 2], // 1.5
      [10, 2, 2, 3, 2], // 2.5
      [-10, 2, -3, -2, -2], // -2.5
      [9, 0, 9, 9, 9],
      [3, -2, 12, 12, 12], // k < 0: exact left shift
    ];
    for (const [x, k, floor, nearest, even] of cases) {
      expect([shiftRound(x, k, 'floor'), shiftRound(x, k, 'nearest'), shiftRound(x, k, 'even')]).toEqual([
        floor,
        nearest,
        even,
      ]);
    }
  });

  it('divideRound and pow2Averager: exact integer division with the same rules', () => {
    expect(['floor', 'nearest', 'even'].map((r) => divideRound(7, 2, r as 'floor'))).toEqual([3, 4, 4]);
    expect(['floor', 'nearest', 'even'].map((r) => divideRound(5, 2, r as 'floor'))).toEqual([2, 3, 2]);
    expect(['floor', 'nearest', 'even'].map((r) => divideRound(-5, 2, r as 'floor'))).toEqual([-3, -2, -2]);
    expect(divideRound(10, 3, 'nearest')).toBe(3);
    // mean of 4 values at s_x = 2^-3 into s_y = 2^-2: sum / 4 / 2
    expect(pow2Averager(0.5, 4, 'floor')(36)).toBe(4); // 4.5
    expect(pow2Averager(0.5, 4, 'nearest')(36)).toBe(5);
    expect(pow2Averager(4, 9, 'nearest')(7)).toBe(3); // 28 / 9 = 3.11
  });

  it('pow2Scaler: a shift for 2^-k, the exact product otherwise', () => {
    // The same values as shiftRound (the shift) and roundReal (the product), for every rule.
    for (const rounding of ['floor', 'nearest', 'even'] as const)
      for (const k of [-2, 0, 1, 3, 7])
        for (let x = -300; x <= 300; x += 7) {
          expect(pow2Scaler(2 ** -k, rounding)(x)).toBe(shiftRound(x, k, rounding));
          expect(pow2Scaler(3 / 2 ** (k + 8), rounding)(x)).toBe(roundReal((x * 3) / 2 ** (k + 8), rounding));
        }
    expect(pow2Scaler(0.25, 'floor')(-7)).toBe(-2);
    expect(pow2Scaler(0.25, 'nearest')(-6)).toBe(-1); // -1.5 half up
    expect(pow2Scaler(3 / 256, 'nearest')(100)).toBe(1); // 1.17
    expect(pow2Scaler(3 / 256, 'floor')(-100)).toBe(-2); // -1.17
    // Half to even, and a ratio of 2^k >= 1 (an exact product): hand-worked.
    expect(pow2Scaler(0.25, 'even')(-6)).toBe(-2); // -1.5 to even
    expect(pow2Scaler(0.25, 'even')(10)).toBe(2); // 2.5 to even
    expect(pow2Scaler(0.25, 'even')(14)).toBe(4); // 3.5 to even
    expect(pow2Scaler(4, 'floor')(-7)).toBe(-28);
    expect(pow2Scaler(1, 'nearest')(-7)).toBe(-7);
    expect(pow2Scaler(3 / 256, 'even')(128)).toBe(2); // 1.5 to even
    expect(exactLog2(1 / 64)).toBe(-6);
    expect(exactLog2(3)).toBeUndefined();
  });
});
