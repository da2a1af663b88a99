import { clamped, load32, loop, op } from './assembler.js';

// requant's parameters and locals.
const [QC, QROWS, QN, QADD, QSCALE, QZO, QLO, QHI, QOUT, QOUTROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [QR, QJ, QCPTR, QOPTR] = [10, 11, 12, 13];
const [QV, QZOV, QLOV, QHIV] = [14, 15, 16, 17];

/** Code loading the four int32 (or float32) at `base` + 4 j. */
const load4 = (base: number, j: number): number[] => [
  ...op.get(base),
  ...op.get(j),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.v128load(0),
];

/** Code clamping the four int32 on the stack to [lo, hi] (splatted locals) and storing them as 4 bytes at optr + j. */
const clampStore4 = (lo: number, hi: number, v: number, optr: number, j: number): number[] => [
  ...op.get(lo),
  ...op.max32,
  ...op.get(hi),
  ...op.min32,
  ...op.set(v),
  ...op.get(optr),
  ...op.get(j),
  ...op.add,
  ...op.get(v),
  ...op.get(v),
  ...op.narrow16,
  ...op.set(v),
  ...op.get(v),
  ...op.get(v),
  ...op.narrow8,
  ...op.store32Lane(0),
];

/** The locals a rows-of-4-channels loop uses (rowsOf4). */
interface RowLocals {
  c: number;
  r: number;
  n: number;
  cptr: number;
  out: number;
  outRow: number;
  optr: number;
  j: number;
  /** The channel count the 4-channel steps run to. */
  count: number;
}

/** For r < rows: cptr = c + 4 r n, optr = out + r outRow, then `group` for j = 0, 4, ... < count. */
const rowsOf4 = (l: RowLocals, rows: number, group: number[]): number[] =>
  loop(l.r, rows, 1, [
    ...op.get(l.c),
    ...op.get(l.r),
    ...op.get(l.n),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(l.cptr),
    ...op.get(l.out),
    ...op.get(l.r),
    ...op.get(l.outRow),
    ...op.mul,
    ...op.add,
    ...op.set(l.optr),
    ...loop(l.j, l.count, 4, group),
  ]);

/** Code setting local `to` to local `from` splatted to four int32 lanes. */
const splat = (from: number, to: number): number[] => [...op.get(from), ...op.splat32, ...op.set(to)];

/**
 * requant(c, rows, n, add, scale, zo, lo, hi, out, outRow): XNNPACK's fp32 requantization of int32
 * accumulators, four channels at a time: out[r outRow + j] = clamp(nearest_even(f32(c[r n + j] + add[j])
 * * scale[j]) + zo, lo, hi), with f32 the float32 conversion and product (scale a float32 array). Each
 * 4-channel step stores 4 bytes, so a row may spill up to n - channels bytes into the next (rewritten
 * by it) and the last into 8 spare bytes after `out`.
 */
export function requantBody(): number[] {
  const group = [
    ...load4(QCPTR, QJ),
    ...load4(QADD, QJ),
    ...op.add32x4,
    ...op.f32Convert,
    ...load4(QSCALE, QJ),
    ...op.f32Mul,
    ...op.f32Nearest,
    ...op.truncSat,
    ...op.get(QZOV),
    ...op.add32x4,
    ...clampStore4(QLOV, QHIV, QV, QOPTR, QJ),
  ];
  const rows = {
    c: QC,
    r: QR,
    n: QN,
    cptr: QCPTR,
    out: QOUT,
    outRow: QOUTROW,
    optr: QOPTR,
    j: QJ,
    count: QN,
  };
  return [...splat(QZO, QZOV), ...splat(QLO, QLOV), ...splat(QHI, QHIV), ...rowsOf4(rows, QROWS, group)];
}

/**
 * A per-channel scalar requantization over rows: for r < rows, j < C, t = c[r n + j] + pre[j] and
 * out[r C + j] = clamp(rescale(t, j), lo, hi), one byte each. Parameters: c, rows, n, pre, lo, hi, out,
 * C, then `extra` parameters for `rescale`; locals after them: r, j, t (the rescaled value), row pointer.
 */
function scalarRequant(extra: number, rescale: (t: number, j: number) => number[]): number[] {
  const [c, rows, n, pre, lo, hi, out, C] = [0, 1, 2, 3, 4, 5, 6, 7];
  const first = 8 + extra;
  const [r, j, t, row] = [first, first + 1, first + 2, first + 3];
  const channel = [
    ...op.get(row),
    ...op.get(j),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load(0),
    ...load32(pre, j),
    ...op.add,
    ...op.set(t),
    ...rescale(t, j),
    ...op.set(t),
    ...op.get(out),
    ...op.get(r),
    ...op.get(C),
    ...op.mul,
    ...op.add,
    ...op.get(j),
    ...op.add,
    ...clamped(t, lo, hi),
    ...op.store8,
  ];
  const body = [
    ...op.get(c),
    ...op.get(r),
    ...op.get(n),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(row),
    ...loop(j, C, 1, channel),
  ];
  return loop(r, rows, 1, body);
}

// requantShift's parameters and locals.
const [SC, SROWS, SN, SPRE, SLO, SHI, SOUT, SCH, SSCALE, SPOST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [SR, SJ, SCPTR, SOPTR] = [10, 11, 12, 13];
const [SV, SLOV, SHIV, ST] = [14, 15, 16, 17];

/** Code for floor(lanes l, l + 1 of local v, as float64, times the two float64 at `scale` + 4 j + 16 l / 2). */
const floorHalf = (v: number, high: boolean): number[] => [
  ...op.get(v),
  ...(high
    ? [...op.get(v), ...op.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])]
    : []),
  ...op.f64ConvertLow,
  ...op.get(SSCALE),
  ...op.get(SJ),
  ...op.i32(3),
  ...op.shl,
  ...op.add,
  ...op.v128load(high ? 16 : 0),
  ...op.f64Mul,
  ...op.f64Floor,
  ...op.truncSatF64Zero,
];

/**
 * requantShift(c, rows, n, pre, lo, hi, out, C, scale, post): pow2, out[r C + j] = clamp((t >> k[j]) +
 * post[j], lo, hi) with t = c[r n + j] + pre[j] (int32, wrapping), pre holding bias, rounding half and
 * zero-point terms, four channels at a time. WebAssembly has no per-lane shift: t >> k is floor(t 2^-k)
 * in float64 (`scale` holds 2^-k[j] as float64; t 2^-k and its floor are exact for int32 t and k in
 * [0, 31]). Tables have C rounded up to 4 entries; as requant, a row spills up to 3 bytes into the next
 * and the last into 8 spare bytes after `out`.
 */
export function shiftBody(): number[] {
  const group = [
    ...load4(SCPTR, SJ),
    ...load4(SPRE, SJ),
    ...op.add32x4,
    ...op.set(ST),
    ...floorHalf(ST, false),
    ...floorHalf(ST, true),
    ...op.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]),
    ...load4(SPOST, SJ),
    ...op.add32x4,
    ...clampStore4(SLOV, SHIV, SV, SOPTR, SJ),
  ];
  const rows = { c: SC, r: SR, n: SN, cptr: SCPTR, out: SOUT, outRow: SCH, optr: SOPTR, j: SJ, count: SCH };
  return [...splat(SLO, SLOV), ...splat(SHI, SHIV), ...rowsOf4(rows, SROWS, group)];
}

/**
 * requantFixed(c, rows, n, pre, lo, hi, out, C, mult, left, right, zo): TFLite's reference rescale,
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(t 2^left[j], mult[j]), right[j]) + zo, the high
 * multiply in int64: (t m + nudge) / 2^31 truncated, nudge 2^30 or 1 - 2^30 by the product's sign.
 */
export function fixedBody(): number[] {
  const [mult, left, right, zo] = [8, 9, 10, 11];
  // Scratch locals after the four scalarRequant uses: product (i64), mask, high.
  const [prod, mask, high] = [16, 17, 18];
  return scalarRequant(4, (t, j) => [
    ...op.get(t),
    ...load32(left, j),
    ...op.shl,
    ...op.extend64,
    ...load32(mult, j),
    ...op.extend64,
    ...op.mul64,
    ...op.tee(prod),
    ...op.i64(1 << 30),
    ...op.i64(1 - (1 << 30)),
    ...op.get(prod),
    ...op.i64(0),
    ...op.geS64,
    ...op.select,
    ...op.add64,
    ...op.i64(2 ** 31),
    ...op.div64,
    ...op.wrap32,
    ...op.set(high),
    ...op.i32(1),
    ...load32(right, j),
    ...op.shl,
    ...op.i32(1),
    ...op.sub,
    ...op.set(mask),
    // (high >> right) + ((high & mask) > (mask >> 1) + (high < 0))
    ...op.get(high),
    ...load32(right, j),
    ...op.shrS,
    ...op.get(high),
    ...op.get(mask),
    ...op.and,
    ...op.get(mask),
    ...op.i32(1),
    ...op.shrS,
    ...op.get(high),
    ...op.i32(0),
    ...op.ltS,
    ...op.add,
    ...op.gtS,
    ...op.add,
    ...op.get(zo),
    ...op.add,
  ]);
}
