import { loop, op } from './assembler.js';

// Parameters, then locals: i32 (GEMM_I32S of them), then v128 (GEMM_V128S).
const [A, B, C, ROWS, N, KP, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [R, J, K, AROW0, AROW1, B0, CPTR0, CPTR1] = [7, 8, 9, 10, 11, 12, 16, 17];
const ACC0 = 18;
const ACC1 = 22;
const [X0, X1, WV, S01, S23] = [26, 27, 28, 29, 30];
export const GEMM_I32S = 11;
export const GEMM_V128S = 13;

/** i8x16.shuffle of the two vectors on the stack, picking 32-bit lanes (0-3: the first, 4-7: the second). */
const shuffle32 = (lanes: number[]): number[] =>
  op.shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));

/**
 * Code storing at the address on the stack the four lane sums of accumulators acc .. acc + 3 as one
 * vector: pairs of lanes added twice over by shuffles (integer sums, so the order does not matter).
 */
const storeLaneSums = (acc: number): number[] => {
  const halves = (a: number, b: number) => [
    ...op.get(a),
    ...op.get(b),
    ...shuffle32([0, 1, 4, 5]),
    ...op.get(a),
    ...op.get(b),
    ...shuffle32([2, 3, 6, 7]),
    ...op.add32x4,
  ];
  return [
    ...halves(acc, acc + 1),
    ...op.set(S01),
    ...halves(acc + 2, acc + 3),
    ...op.set(S23),
    ...op.get(S01),
    ...op.get(S23),
    ...shuffle32([0, 2, 4, 6]),
    ...op.get(S01),
    ...op.get(S23),
    ...shuffle32([1, 3, 5, 7]),
    ...op.add32x4,
    ...op.v128store(0),
  ];
};

/**
 *   gemm(a, b, c, rows, n, kp, ldc): for r < rows, j < n (step 4):
 *     c[r ldc + j + q] = Σ_k a[r kp + k] b[(j + q) kp + k]      (int8 x int8 -> int32, q = 0..3)
 *
 * with a, b, c byte offsets into the imported memory, kp a multiple of 8 (rows zero-padded) and n a
 * multiple of 4. Eight terms at a time: v128.load8x8_s widens 8 int8 to int16 and i32x4.dot_i16x8_s
 * sums pairs of products into 4 int32 lanes (|product| <= 2^14, so nothing overflows below K = 2^17).
 * Two rows and four output columns at a time: each load of b serves both rows, each load of a four
 * columns. Rows go in pairs, so an odd `rows` reads row `rows` of a and writes row `rows` of c: both
 * must have room for it (Int8Gemm allocates an even number of rows).
 */
export function gemmBody(): number[] {
  const inner = loop(K, KP, 8, [
    ...op.get(AROW0),
    ...op.get(K),
    ...op.add,
    ...op.load8x8s,
    ...op.set(X0),
    ...op.get(AROW1),
    ...op.get(K),
    ...op.add,
    ...op.load8x8s,
    ...op.set(X1),
    ...[0, 1, 2, 3].flatMap((q) => [
      ...op.get(B0 + q),
      ...op.get(K),
      ...op.add,
      ...op.load8x8s,
      ...op.set(WV),
      ...op.get(ACC0 + q),
      ...op.get(X0),
      ...op.get(WV),
      ...op.dot,
      ...op.add32x4,
      ...op.set(ACC0 + q),
      ...op.get(ACC1 + q),
      ...op.get(X1),
      ...op.get(WV),
      ...op.dot,
      ...op.add32x4,
      ...op.set(ACC1 + q),
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
    ...[0, 1, 2, 3].flatMap((q) => [
      ...op.v128zero,
      ...op.set(ACC0 + q),
      ...op.v128zero,
      ...op.set(ACC1 + q),
    ]),
    ...inner,
    ...[CPTR0, CPTR1].flatMap((cptr, i) => [
      ...op.get(cptr),
      ...op.get(J),
      ...op.i32(2),
      ...op.shl,
      ...op.add,
      ...storeLaneSums(i ? ACC1 : ACC0),
    ]),
  ];
  const row = [
    ...op.get(A),
    ...op.get(R),
    ...op.get(KP),
    ...op.mul,
    ...op.add,
    ...op.set(AROW0),
    ...op.get(AROW0),
    ...op.get(KP),
    ...op.add,
    ...op.set(AROW1),
    ...op.get(C),
    ...op.get(R),
    ...op.get(LDC),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(CPTR0),
    ...op.get(CPTR0),
    ...op.get(LDC),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(CPTR1),
    ...loop(J, N, 4, column),
  ];
  return loop(R, ROWS, 2, row);
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
export function dwBody(): number[] {
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
