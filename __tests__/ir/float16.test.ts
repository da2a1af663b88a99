import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16 } from '../../src/ir/float16.js';

// Each pair is a float16 bit pattern and its value, worked out by hand from sign, exponent and fraction.
const EXACT: [bits: number, value: number][] = [
  [0x0000, 0],
  [0x3c00, 1],
  [0xc000, -2],
  [0x3555, 0.333251953125], // 2^-2 * (1 + 341/1024)
  [0x3800, 0.5],
  [0x4248, 3.140625], // 2 * (1 + 584/1024)
  [0x7bff, 65504], // largest finite: 2^15 * (2 - 2^-10)
  [0x0400, 2 ** -14], // smallest normal
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x8001, -(2 ** -24)],
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
];

describe('float16', () => {
  it.each(EXACT.map(([bits, value]) => [bits.toString(16).padStart(4, '0'), bits, value]))(
    '0x%s decodes and encodes exactly',
    (_hex, bits, value) => {
      expect(float16ToFloat32(bits as number)).toBe(value);
      expect(float32ToFloat16(value as number)).toBe(bits);
    },
  );

  it('keeps the sign of zero', () => {
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float32ToFloat16(-0)).toBe(0x8000);
  });

  it('NaN stays NaN both ways', () => {
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(float16ToFloat32(0x7c01)).toBeNaN();
    const h = float32ToFloat16(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    const ulp = 2 ** -10; // spacing of float16 values in [1, 2)
    expect(float32ToFloat16(1 + ulp / 2)).toBe(0x3c00); // tie, 0x3c00 is even: down
    expect(float32ToFloat16(1 + ulp * 1.5)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02: up to even
    expect(float32ToFloat16(1 + ulp / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie: up
    expect(float32ToFloat16(1 + ulp * 0.49)).toBe(0x3c00);
    expect(float32ToFloat16(-(1 + ulp * 1.5))).toBe(0xbc02);
    // Rounding up the fraction carries into the exponent: 2 - ulp/4 rounds to 2.
    expect(float32ToFloat16(2 - ulp / 4)).toBe(0x4000);
  });

  it('rounds subnormals to nearest even and underflows to signed zero', () => {
    expect(float32ToFloat16(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal: even is 0
    expect(float32ToFloat16(1.5 * 2 ** -24)).toBe(0x0002); // tie between 1 and 2 ulps: even is 2
    expect(float32ToFloat16(2.5 * 2 ** -24)).toBe(0x0002); // tie between 2 and 3: even is 2
    expect(float32ToFloat16(2 ** -25 + 2 ** -30)).toBe(0x0001);
    expect(float32ToFloat16(2 ** -26)).toBe(0x0000);
    expect(float32ToFloat16(-(2 ** -30))).toBe(0x8000);
    // The largest subnormal plus half an ulp rounds up into the smallest normal.
    expect(float32ToFloat16(1023.5 * 2 ** -24)).toBe(0x0400);
  });

  it('overflows to infinity past 65504 + half an ulp', () => {
    expect(float32ToFloat16(65519)).toBe(0x7bff);
    expect(float32ToFloat16(65520)).toBe(0x7c00); // the tie rounds to even, which is infinity
    expect(float32ToFloat16(1e6)).toBe(0x7c00);
    expect(float32ToFloat16(-1e6)).toBe(0xfc00);
  });

  it('every finite float16 survives float16 -> float32 -> float16', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      if (float32ToFloat16(float16ToFloat32(h)) !== h)
        throw new Error(`0x${h.toString(16)} does not round-trip`);
    }
  });
});

describe('bfloat16', () => {
  it('is the high half of a float32', () => {
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(0xc000)).toBe(-2);
    expect(bfloat16ToFloat32(0x4049)).toBe(3.140625);
    expect(bfloat16ToFloat32(0x7f80)).toBe(Infinity);
    expect(bfloat16ToFloat32(0x0001)).toBe(2 ** -133);
    expect(bfloat16ToFloat32(0x7fc0)).toBeNaN();
  });
});
