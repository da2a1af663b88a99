/** The WebAssembly kernels against plain loops over the same numbers, extremes included. */
import { describe, expect, it } from 'vitest';
import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfEven,
} from '../../../src/runtime/integer/fixed-point.js';
import { WasmArena } from '../../../src/runtime/integer/wasm/arena.js';
import { rng, randomInt8 } from './builder.js';

const arena = WasmArena.create()!;
const random = rng(21);
const ints = (n: number, lo: number, hi: number) =>
  Int32Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)));

describe('WebAssembly int8 kernels', () => {
  it('is available in Node (SIMD)', () => {
    expect(arena).toBeDefined();
  });

  it('gemm: C = A B^T over int8, int32 results, extremes -128 * -128 included', () => {
    const [rows, channels, K] = [37, 13, 29];
    const kp = 32;
    const n = 16;
    // rows go in pairs: an odd count's last row has a partner row of room in A and C
    const a = arena.alloc((rows + 1) * kp);
    const b = arena.alloc(n * kp);
    const c = arena.alloc((rows + 1) * n * 4);
    const A = randomInt8(rows * K, random);
    const B = randomInt8(channels * K, random);
    A.fill(-128, 0, K);
    B.fill(-128, 0, K);
    for (let r = 0; r < rows; r++) a.int8().set(A.subarray(r * K, (r + 1) * K), r * kp);
    for (let j = 0; j < channels; j++) b.int8().set(B.subarray(j * K, (j + 1) * K), j * kp);
    arena.gemm(a.offset, b.offset, c.offset, rows, n, kp, n);
    const C = c.int32();
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < channels; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[r * K + k]! * B[j * K + k]!;
        expect(C[r * n + j]).toBe(s);
      }
    }
    expect(C[0]).toBe(K * 128 * 128);
  });

  it('gemm: every row and column count the kernels use (pairs of rows, four columns a step)', () => {
    for (const [rows, n, kp] of [
      [1, 4, 8],
      [2, 4, 8],
      [5, 8, 24],
      [6, 12, 16],
    ] as const) {
      const a = arena.alloc((rows + 1) * kp);
      const b = arena.alloc(n * kp);
      const c = arena.alloc((rows + 1) * n * 4);
      const A = randomInt8(rows * kp, random);
      const B = randomInt8(n * kp, random);
      a.int8().set(A);
      b.int8().set(B);
      arena.gemm(a.offset, b.offset, c.offset, rows, n, kp, n);
      const expected = Array.from({ length: rows * n }, (_, i) => {
        const [r, j] = [Math.floor(i / n), i % n];
        let s = 0;
        for (let k = 0; k < kp; k++) s += A[r * kp + k]! * B[j * kp + k]!;
        return s;
      });
      expect(Array.from(c.int32().subarray(0, rows * n))).toEqual(expected);
    }
  });

  it('dwconv: per-channel sums over taps, eight channels a step', () => {
    const [H, W, Ch, cp] = [6, 7, 11, 16];
    const x = arena.alloc(H * W * Ch + 8);
    const X = randomInt8(H * W * Ch, random);
    x.int8().set(X);
    const offsets = [0, Ch, W * Ch, W * Ch + Ch];
    const taps = arena.alloc(16);
    taps.int32().set(offsets);
    const bases = Int32Array.from(
      { length: (H - 1) * (W - 1) },
      (_, p) => (Math.floor(p / (W - 1)) * W + (p % (W - 1))) * Ch,
    );
    const basesAt = arena.alloc(bases.length * 4);
    basesAt.int32().set(bases);
    const w = arena.alloc(4 * cp);
    const Wt = randomInt8(4 * Ch, random);
    for (let t = 0; t < 4; t++) w.int8().set(Wt.subarray(t * Ch, (t + 1) * Ch), t * cp);
    const c = arena.alloc(bases.length * cp * 4);
    arena.dwconv(x.offset, basesAt.offset, bases.length, taps.offset, 4, w.offset, c.offset, cp);
    for (let p = 0; p < bases.length; p++) {
      for (let ch = 0; ch < Ch; ch++) {
        let s = 0;
        for (let t = 0; t < 4; t++) s += X[bases[p]! + offsets[t]! + ch]! * Wt[t * Ch + ch]!;
        expect(c.int32()[p * cp + ch]).toBe(s);
      }
    }
  });

  /** Accumulators with their per-channel tables, as the kernels read them. */
  function rows(count: number, C: number, n: number) {
    const acc = arena.alloc(count * n * 4);
    acc.int32().set(ints(count * n, -(2 ** 21), 2 ** 21));
    const table = (values: ArrayLike<number>) => {
      const region = arena.alloc(n * 4);
      region.int32().set(Array.from(values));
      return region;
    };
    const out = arena.alloc(count * C + 8);
    return { acc, table, out };
  }

  it('requant: float32 scale, rounding half to even (ties included), clamped, + z_out', () => {
    const [count, C, n] = [23, 10, 12];
    const { acc, table, out } = rows(count, C, n);
    acc.int32().set([5, -5, 7, -7], 0); // times 0.5: 2.5 -> 2, -2.5 -> -2, 3.5 -> 4, -3.5 -> -4
    const add = table(ints(n, -300, 300).map((v, j) => (j < 4 ? 0 : v)));
    const scales = Float32Array.from({ length: n }, (_, j) => (j < 4 ? 0.5 : random() * 0.01));
    const scale = arena.alloc(n * 4);
    scale.float32().set(scales);
    arena.requant(acc.offset, count, n, add.offset, scale.offset, -3, -120, 100, out.offset, C);
    const y = out.int8();
    expect(Array.from(y.subarray(0, 4))).toEqual([2 - 3, -2 - 3, 4 - 3, -4 - 3]);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < C; j++) {
        const f = Math.fround(Math.fround(acc.int32()[r * n + j]! + add.int32()[j]!) * scales[j]!);
        expect(y[r * C + j]).toBe(Math.min(100, Math.max(-120, roundHalfEven(f) - 3)));
      }
    }
  });

  it('requantShift: (t + pre) >> k + post per channel, every shift 0-31, four channels a step', () => {
    const [count, C, n] = [19, 9, 12];
    const { acc, table, out } = rows(count, C, n);
    // the largest and smallest int32 sums, and a wrap past 2^31 (int32 addition, as the JS loop's >>)
    acc.int32().set([2 ** 31 - 1 - 500, -(2 ** 31) + 500, 2 ** 31 - 100], 0);
    const pre = ints(n, -500, 500);
    pre[2] = 400;
    const k = Array.from({ length: n }, (_, j) => (j < 3 ? [0, 31, 4][j]! : Math.floor(random() * 32)));
    const post = ints(n, -9, 9);
    const scale = arena.alloc(n * 8);
    scale.float64().set(k.map((s) => 2 ** -s));
    arena.requantShift(
      acc.offset,
      count,
      n,
      table(pre).offset,
      -128,
      127,
      out.offset,
      C,
      scale.offset,
      table(post).offset,
    );
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < C; j++) {
        const v = ((acc.int32()[r * n + j]! + pre[j]!) >> k[j]!) + post[j]!;
        expect(out.int8()[r * C + j]).toBe(Math.min(127, Math.max(-128, v)));
      }
    }
    // every shift 0..31 on sums of both signs, exact (each channel one shift)
    const all = rows(4, 32, 32);
    all.acc.int32().set(ints(4 * 32, -(2 ** 31), 2 ** 31 - 1));
    const shifts = arena.alloc(32 * 8);
    shifts.float64().set(Array.from({ length: 32 }, (_, s) => 2 ** -s));
    const zero = all.table(new Array<number>(32).fill(0));
    arena.requantShift(
      all.acc.offset,
      4,
      32,
      zero.offset,
      -128,
      127,
      all.out.offset,
      32,
      shifts.offset,
      zero.offset,
    );
    for (let i = 0; i < 4 * 32; i++)
      expect(all.out.int8()[i]).toBe(Math.min(127, Math.max(-128, all.acc.int32()[i]! >> (i % 32))));
  });

  it('requantFixed: MultiplyByQuantizedMultiplier per channel, exactly', () => {
    const [count, C, n] = [29, 11, 12];
    const { acc, table, out } = rows(count, C, n);
    const pre = ints(n, -500, 500);
    const m = Array.from({ length: n }, (_, j) =>
      quantizeMultiplier(j % 3 ? random() * 0.02 : 1 + random() * 3),
    );
    arena.requantFixed(
      acc.offset,
      count,
      n,
      table(pre).offset,
      -128,
      127,
      out.offset,
      C,
      table(m.map((q) => q.multiplier)).offset,
      table(m.map((q) => Math.max(q.shift, 0))).offset,
      table(m.map((q) => Math.max(-q.shift, 0))).offset,
      7,
    );
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < C; j++) {
        const v =
          multiplyByQuantizedMultiplier(acc.int32()[r * n + j]! + pre[j]!, m[j]!.multiplier, m[j]!.shift) + 7;
        expect(out.int8()[r * C + j]).toBe(Math.min(127, Math.max(-128, v)));
      }
    }
  });
});
