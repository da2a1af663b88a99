import { loop, op } from './assembler.js';

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

// Parameters, then locals.
const [A, B, C, ROWS, N, KP, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [R, J, K, AROW, B0, CPTR] = [7, 8, 9, 10, 11, 15];
const ACC = 16;
const X = 20;

/**
 *   gemm(a, b, c, rows, n, kp, ldc): for r < rows, j < n (step 4):
 *     c[r ldc + j + q] = Σ_k a[r kp + k] b[(j + q) kp + k]      (int8 x int8 -> int32, q = 0..3)
 *
 * with a, b, c byte offsets into the imported memory, kp a multiple of 8 (rows zero-padded) and n a
 * multiple of 4. Eight terms at a time: v128.load8x8_s widens 8 int8 to int16 and i32x4.dot_i16x8_s
 * sums pairs of products into 4 int32 lanes (|product| <= 2^14, so nothing overflows below K = 2^17).
 * Four output columns share each load of a.
 */
export function gemmBody(): number[] {
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
