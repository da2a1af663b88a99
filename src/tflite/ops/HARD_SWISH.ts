import { quantizeMultiplier, roundReal } from '../../runtime/integer/fixed-point.js';
import type { Scalar } from '../../runtime/integer/kernels/common/params.js';
import { unaryKernel, type Int8Function } from '../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin } from './common/builtin.js';
import { calibrated } from './common/int8.js';
import { optionsTable } from './common/options.js';
import { always1 } from './common/version.js';

const hardSwish = (v: number): number => (v * Math.min(6, Math.max(0, v + 3))) / 6;

/** pow2: the real function, rounded by the scheme's rule. affine: TFLite's int16 fixed-point kernel. */
const kernel = unaryKernel('HARD_SWISH', (cx, x, y) => {
  if (cx.arith.scheme === 'affine') return tfliteHardSwish(x, y);
  const rounding = cx.arith.rounding;
  return (q) => roundReal(hardSwish((q - x.zeroPoint) * x.scale) / y.scale, rounding) + y.zeroPoint;
});

const I16_MIN = -32768;
const I16_MAX = 32767;
const sat16 = (v: number) => (v < I16_MIN ? I16_MIN : v > I16_MAX ? I16_MAX : v);

/** gemmlowp SaturatingRoundingDoublingHighMul on int16: (a b + nudge) / 2^15 toward zero. */
function srdhm16(a: number, b: number): number {
  if (a === I16_MIN && b === I16_MIN) return I16_MAX;
  const ab = a * b;
  return Math.trunc((ab + (ab >= 0 ? 1 << 14 : 1 - (1 << 14))) / 32768);
}

/** The same without rounding: (a b) / 2^15 toward zero. */
function sdhm16(a: number, b: number): number {
  if (a === I16_MIN && b === I16_MIN) return I16_MAX;
  return Math.trunc((a * b) / 32768);
}

function rdbp(x: number, e: number): number {
  if (e <= 0) return x;
  const mask = (1 << e) - 1;
  return (x >> e) + ((x & mask) > (mask >> 1) + (x < 0 ? 1 : 0) ? 1 : 0);
}

/** A Q31 multiplier rounded to Q15 (TFLite DownScaleInt32ToInt16Multiplier). */
function toInt16Multiplier(m: number): number {
  if (m >= 2147483647 - 32768) return I16_MAX;
  return (m + 32768) >> 16;
}

/**
 * TFLite's quantized HardSwish: the input at 128x finer scale, a "reluish" factor relu6(x + 3) / 6 in Q15
 * and the product, every multiply in int16 fixed point.
 */
function tfliteHardSwish(x: Scalar, y: Scalar): Int8Function {
  const hires = Math.fround(x.scale / 128);
  const out = quantizeMultiplier(Math.fround(hires / y.scale));
  const reluish = quantizeMultiplier(Math.fround(hires / Math.fround(3 / 32768)));
  const outM = toInt16Multiplier(out.multiplier);
  const reluM = toInt16Multiplier(reluish.multiplier);
  return (q) => {
    const onHires = (q - x.zeroPoint) * 128;
    const preshift = srdhm16(onHires, outM);
    let r = onHires;
    if (reluish.shift > 0) r = sat16(r * 2 ** (reluish.shift - 1));
    r = srdhm16(r, reluM);
    if (reluish.shift > 0) r = sat16(r * 2);
    if (reluish.shift < 0) r = rdbp(r, -reluish.shift);
    r = (r + 32768) >> 1;
    return rdbp(sdhm16(r, preshift), -out.shift) + y.zeroPoint;
  };
}

export const HARD_SWISH = defineBuiltin({
  name: 'HARD_SWISH',
  options: optionsTable('HardSwishOptions'),
  version: always1,
  int8: calibrated,
  kernel,
});
