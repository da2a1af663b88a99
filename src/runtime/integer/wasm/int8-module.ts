/**
 * The int8 kernels as a WebAssembly module, assembled here from named instructions (no toolchain).
 *
 *   gemm(a, b, c, rows, n, kp, ldc): for r < rows, j < n (step 4):
 *     c[r ldc + j + q] = Σ_k a[r kp + k] b[(j + q) kp + k]      (int8 x int8 -> int32, q = 0..3)
 *
 * with a, b, c byte offsets into the imported memory, kp a multiple of 8 (rows zero-padded) and n a
 * multiple of 4. Eight terms at a time: v128.load8x8_s widens 8 int8 to int16 and i32x4.dot_i16x8_s
 * sums pairs of products into 4 int32 lanes (|product| <= 2^14, so nothing overflows below K = 2^17).
 * Four output columns share each load of a.
 */

const I32 = 0x7f;
const V128 = 0x7b;
const I64 = 0x7e;
const EMPTY = 0x40;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};

/** Signed LEB128 of an integer below 2^53 in magnitude (i32.const and i64.const immediates). */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = ((n % 128) + 128) % 128;
    n = Math.floor(n / 128);
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** Instructions (core opcodes; SIMD ones behind the 0xfd prefix). */
const op = {
  block: [0x02, EMPTY],
  loop: [0x03, EMPTY],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  eqz: [0x45],
  ltU: [0x49],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  store: (offset: number) => [0x36, 2, ...uleb(offset)],
  store8: [0x3a, 0, 0],
  sub: [0x6b],
  and: [0x71],
  shrS: [0x75],
  ltS: [0x48],
  gtS: [0x4a],
  select: [0x1b],
  tee: (i: number) => [0x22, ...uleb(i)],
  i64: (v: number) => [0x42, ...sleb(v)],
  extend64: [0xac],
  wrap32: [0xa7],
  add64: [0x7c],
  mul64: [0x7e],
  div64: [0x7f],
  geS64: [0x59],
  load: (offset: number) => [0x28, 2, ...uleb(offset)],
  v128store: (offset: number) => [0xfd, ...uleb(11), 0, ...uleb(offset)],
  v128load: (offset: number) => [0xfd, ...uleb(0), 0, ...uleb(offset)],
  store32Lane: (lane: number) => [0xfd, ...uleb(90), 0, 0, lane],
  splat32: [0xfd, ...uleb(17)],
  f32Convert: [0xfd, ...uleb(250)],
  f32Mul: [0xfd, ...uleb(230)],
  f32Nearest: [0xfd, ...uleb(106)],
  truncSat: [0xfd, ...uleb(248)],
  max32: [0xfd, ...uleb(184)],
  min32: [0xfd, ...uleb(182)],
  narrow16: [0xfd, ...uleb(133)],
  narrow8: [0xfd, ...uleb(101)],
  extmulLow: [0xfd, ...uleb(188)],
  extmulHigh: [0xfd, ...uleb(189)],
  load8x8s: [0xfd, ...uleb(1), 0, 0],
  v128zero: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  lane: (i: number) => [0xfd, ...uleb(27), i],
  add32x4: [0xfd, ...uleb(174)],
  dot: [0xfd, ...uleb(186)],
};

// Parameters, then locals.
const [A, B, C, ROWS, N, KP, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [R, J, K, AROW, B0, CPTR] = [7, 8, 9, 10, 11, 15];
const ACC = 16;
const X = 20;

/** `for (v = 0; v < limit; v += step) body` as block/loop. */
function loop(v: number, limit: number, step: number, body: number[]): number[] {
  return [
    ...op.i32(0),
    ...op.set(v),
    ...op.block,
    ...op.loop,
    ...op.get(v),
    ...op.get(limit),
    ...op.ltU,
    ...op.eqz,
    ...op.brIf(1),
    ...body,
    ...op.get(v),
    ...op.i32(step),
    ...op.add,
    ...op.set(v),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

const horizontalSum = (acc: number): number[] => [
  ...op.get(acc),
  ...op.lane(0),
  ...op.get(acc),
  ...op.lane(1),
  ...op.add,
  ...op.get(acc),
  ...op.lane(2),
  ...op.add,
  ...op.get(acc),
  ...op.lane(3),
  ...op.add,
];

function body(): number[] {
  const inner = loop(K, KP, 8, [
    ...op.get(AROW),
    ...op.get(K),
    ...op.add,
    ...op.load8x8s,
    ...op.set(X),
    ...[0, 1, 2, 3].flatMap((q) => [
      ...op.get(ACC + q),
      ...op.get(X),
      ...op.get(B0 + q),
      ...op.get(K),
      ...op.add,
      ...op.load8x8s,
      ...op.dot,
      ...op.add32x4,
      ...op.set(ACC + q),
    ]),
  ]);
  const column = [
    // b0 = b + j kp, b1..b3 the next rows
    ...op.get(B),
    ...op.get(J),
    ...op.get(KP),
    ...op.mul,
    ...op.add,
    ...op.set(B0),
    ...[1, 2, 3].flatMap((q) => [...op.get(B0 + q - 1), ...op.get(KP), ...op.add, ...op.set(B0 + q)]),
    ...[0, 1, 2, 3].flatMap((q) => [...op.v128zero, ...op.set(ACC + q)]),
    ...inner,
    ...[0, 1, 2, 3].flatMap((q) => [
      ...op.get(CPTR),
      ...op.get(J),
      ...op.i32(2),
      ...op.shl,
      ...op.add,
      ...horizontalSum(ACC + q),
      ...op.store(4 * q),
    ]),
  ];
  const row = [
    ...op.get(A),
    ...op.get(R),
    ...op.get(KP),
    ...op.mul,
    ...op.add,
    ...op.set(AROW),
    ...op.get(C),
    ...op.get(R),
    ...op.get(LDC),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(CPTR),
    ...loop(J, N, 4, column),
  ];
  return loop(R, ROWS, 1, row);
}

// dwconv's parameters and locals.
const [DX, DBASES, DNPIX, DTAPS, DNTAPS, DW, DC, DCP] = [0, 1, 2, 3, 4, 5, 6, 7];
const [DP, DCH, DT, DXBASE, DCOUT] = [8, 9, 10, 11, 12];
const [DLO, DHI, DXV] = [13, 14, 15];

/**
 * dwconv(x, bases, npix, taps, ntaps, w, c, cp): for each pixel p and channel group ch (step 8),
 * c[p cp + ch + l] = Σ_t x[bases[p] + taps[t] + ch + l] w[t cp + ch + l], l = 0..7 (int32 lanes from
 * i32x4.extmul of int16-widened int8). bases and taps are int32 arrays of byte offsets into x.
 */
function dwBody(): number[] {
  const tap = loop(DT, DNTAPS, 1, [
    ...op.get(DXBASE),
    ...op.get(DTAPS),
    ...op.get(DT),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load(0),
    ...op.add,
    ...op.get(DCH),
    ...op.add,
    ...op.load8x8s,
    ...op.set(DXV),
    ...op.get(DLO),
    ...op.get(DXV),
    ...op.get(DW),
    ...op.get(DT),
    ...op.get(DCP),
    ...op.mul,
    ...op.add,
    ...op.get(DCH),
    ...op.add,
    ...op.load8x8s,
    ...op.extmulLow,
    ...op.add32x4,
    ...op.set(DLO),
    ...op.get(DHI),
    ...op.get(DXV),
    ...op.get(DW),
    ...op.get(DT),
    ...op.get(DCP),
    ...op.mul,
    ...op.add,
    ...op.get(DCH),
    ...op.add,
    ...op.load8x8s,
    ...op.extmulHigh,
    ...op.add32x4,
    ...op.set(DHI),
  ]);
  const group = [
    ...op.v128zero,
    ...op.set(DLO),
    ...op.v128zero,
    ...op.set(DHI),
    ...tap,
    ...op.get(DCOUT),
    ...op.get(DCH),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.get(DLO),
    ...op.v128store(0),
    ...op.get(DCOUT),
    ...op.get(DCH),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.get(DHI),
    ...op.v128store(16),
  ];
  const pixel = [
    ...op.get(DX),
    ...op.get(DBASES),
    ...op.get(DP),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load(0),
    ...op.add,
    ...op.set(DXBASE),
    ...op.get(DC),
    ...op.get(DP),
    ...op.get(DCP),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(DCOUT),
    ...loop(DCH, DCP, 8, group),
  ];
  return loop(DP, DNPIX, 1, pixel);
}

// requant's parameters and locals.
const [QC, QROWS, QN, QADD, QSCALE, QZO, QLO, QHI, QOUT, QOUTROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [QR, QJ, QCPTR, QOPTR] = [10, 11, 12, 13];
const [QV, QZOV, QLOV, QHIV] = [14, 15, 16, 17];

/**
 * requant(c, rows, n, add, scale, zo, lo, hi, out, outRow): XNNPACK's fp32 requantization of int32
 * accumulators, four channels at a time: out[r outRow + j] = clamp(nearest_even(f32(c[r n + j] + add[j])
 * * scale[j]) + zo, lo, hi), with f32 the float32 conversion and product (scale a float32 array). Each
 * 4-channel step stores 4 bytes, so a row may spill up to n - channels bytes into the next (rewritten
 * by it) and the last into 8 spare bytes after `out`.
 */
function requantBody(): number[] {
  const group = [
    ...op.get(QCPTR),
    ...op.get(QJ),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.v128load(0),
    ...op.get(QADD),
    ...op.get(QJ),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.v128load(0),
    ...op.add32x4,
    ...op.f32Convert,
    ...op.get(QSCALE),
    ...op.get(QJ),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.v128load(0),
    ...op.f32Mul,
    ...op.f32Nearest,
    ...op.truncSat,
    ...op.get(QZOV),
    ...op.add32x4,
    ...op.get(QLOV),
    ...op.max32,
    ...op.get(QHIV),
    ...op.min32,
    ...op.set(QV),
    ...op.get(QOPTR),
    ...op.get(QJ),
    ...op.add,
    ...op.get(QV),
    ...op.get(QV),
    ...op.narrow16,
    ...op.set(QV),
    ...op.get(QV),
    ...op.get(QV),
    ...op.narrow8,
    ...op.store32Lane(0),
  ];
  const row = [
    ...op.get(QC),
    ...op.get(QR),
    ...op.get(QN),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(QCPTR),
    ...op.get(QOUT),
    ...op.get(QR),
    ...op.get(QOUTROW),
    ...op.mul,
    ...op.add,
    ...op.set(QOPTR),
    ...loop(QJ, QN, 4, group),
  ];
  return [
    ...op.get(QZO),
    ...op.splat32,
    ...op.set(QZOV),
    ...op.get(QLO),
    ...op.splat32,
    ...op.set(QLOV),
    ...op.get(QHI),
    ...op.splat32,
    ...op.set(QHIV),
    ...loop(QR, QROWS, 1, row),
  ];
}

/** Code for `value` clamped to [local lo, local hi] (value in local v). */
const clamped = (v: number, lo: number, hi: number): number[] => [
  ...op.get(lo),
  ...op.get(v),
  ...op.get(v),
  ...op.get(lo),
  ...op.ltS,
  ...op.select,
  ...op.set(v),
  ...op.get(hi),
  ...op.get(v),
  ...op.get(v),
  ...op.get(hi),
  ...op.gtS,
  ...op.select,
];

/** Code loading the int32 at `base` + 4 `index` (both locals). */
const load32 = (base: number, index: number): number[] => [
  ...op.get(base),
  ...op.get(index),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.load(0),
];

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

/**
 * requantShift(c, rows, n, pre, lo, hi, out, C, shift, post): pow2, (t >> shift[j]) + post[j], pre holding
 * bias, rounding half and zero-point terms (shift in [0, 31]).
 */
const shiftBody = (): number[] =>
  scalarRequant(2, (t, j) => [...op.get(t), ...load32(8, j), ...op.shrS, ...load32(9, j), ...op.add]);

/**
 * requantFixed(c, rows, n, pre, lo, hi, out, C, mult, left, right, zo): TFLite's reference rescale,
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(t 2^left[j], mult[j]), right[j]) + zo, the high
 * multiply in int64: (t m + nudge) / 2^31 truncated, nudge 2^30 or 1 - 2^30 by the product's sign.
 */
function fixedBody(): number[] {
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

/** The module's bytes: imports env.memory, exports the functions above by name. */
export function int8ModuleBytes(): Uint8Array {
  const type = (params: number) => [0x60, ...vec(new Array<number[]>(params).fill([I32])), ...vec([])];
  const fn = (i32s: number, v128s: number, code: number[]) => [
    ...vec([
      [...uleb(i32s), I32],
      [...uleb(v128s), V128],
    ]),
    ...code,
    ...op.end,
  ];
  const locals = (groups: [number, number][], code: number[]) => [
    ...vec(groups.map(([count, t]) => [...uleb(count), t])),
    ...code,
    ...op.end,
  ];
  const functions = [
    { name: 'gemm', params: 7, code: fn(9, 5, body()) },
    { name: 'dwconv', params: 8, code: fn(5, 3, dwBody()) },
    { name: 'requant', params: 10, code: fn(4, 4, requantBody()) },
    { name: 'requantShift', params: 10, code: fn(4, 0, shiftBody()) },
    {
      name: 'requantFixed',
      params: 12,
      code: locals(
        [
          [4, I32],
          [1, I64],
          [2, I32],
        ],
        fixedBody(),
      ),
    },
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(functions.map((f) => type(f.params)))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => [...uleb(f.code.length), ...f.code]))),
  ]);
}
