/**
 * The WebAssembly module of binMagnitudes, written with the integer executor's small assembler: its
 * locals, the code fragments of its one function, and the module around them.
 */
import { I32, V128, loopOn, name, op, section, uleb, vec } from '../runtime/integer/wasm/assembler.js';

// Opcodes beyond the assembler's table: scalar f32/f64, if/else and the SIMD ones used here.
const F64 = 0x7c;
const f64load = (offset: number) => [0x2b, 3, ...uleb(offset)];
const f64store = (offset: number) => [0x39, 3, ...uleb(offset)];
const f64promote = [0xbb];
const f64lt = [0x63];
const f64gt = [0x64];
const ifThen = [0x04, 0x40];
const orElse = [0x05];
const LANES = [0, 1, 2, 3];
const simd = (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm];
const v128const = (bytes: ArrayLike<number>) => simd(12, ...Array.from(bytes));
/** i8x16.shuffle of two vectors by 32-bit lanes (0-3 the first's, 4-7 the second's). */
const shuffle32 = (lanes: number[]) => simd(13, ...lanes.flatMap((l) => [0, 1, 2, 3].map((b) => l * 4 + b)));
const i32x4splat = simd(17);
const f64x2splat = simd(20);
const i32x4lane = (l: number) => simd(27, l);
const f32x4lane = (l: number) => simd(31, l);
const i32x4eq = simd(55);
const i32x4allTrue = simd(163);
const i32x4shl = simd(171);
const i32x4add = simd(174);
const i32x4mul = simd(181);
const i32x4minU = simd(183);
const f32x4abs = simd(224);
const f32x4pmin = simd(234);
const f32x4pmax = simd(235);
const f64x2mul = simd(242);
const truncSatF64x2U = simd(253);
const promoteLow = simd(95);

// Locals of bin(data, count, counts, inv, n); see binModuleBytes.
const [data, count, counts, inv, n] = [0, 1, 2, 3, 4];
// i32: end, the slot being counted, the slot of the last value counted
const [end, slot, last] = [5, 6, 7];
// f64: the extremes
const [lo, hi, v] = [8, 9, 10];
// v128
const [a, lo4, hi4, inv2, n4, base4, prev4, ix] = [11, 12, 13, 14, 15, 16, 17, 18];

/** ext = v if `v cmp ext` else ext, for the f64 `v` on the stack (kept in local v). */
const keep = (cmp: number[], ext: number) => [
  ...op.tee(v),
  ...op.get(ext),
  ...op.get(v),
  ...op.get(ext),
  ...cmp,
  ...op.select,
  ...op.set(ext),
];

/** `by` more in the i32 slot whose address is on the stack (kept in local slot). */
const increment = (by: number) => [
  ...op.tee(slot),
  ...op.get(slot),
  ...op.load(0),
  ...op.i32(by),
  ...op.add,
  ...op.store(0),
];

/**
 * Splats of inv and n; base4: the four copies' addresses, [counts + k (n + 1) * 4]; the extremes loaded,
 * the lanes' extremes at +-Infinity; no last value yet (a NaN whose count, were the data to hold that
 * very NaN, would go to bin 0 of the first copy, where a NaN goes).
 */
const setup = [
  ...op.get(inv),
  ...f64x2splat,
  ...op.set(inv2),
  ...op.get(n),
  ...i32x4splat,
  ...op.set(n4),
  ...op.get(counts),
  ...i32x4splat,
  ...op.get(n),
  ...op.i32(1),
  ...op.add,
  ...op.i32(2),
  ...op.shl,
  ...i32x4splat,
  ...v128const(new Uint8Array(Int32Array.of(0, 1, 2, 3).buffer)),
  ...i32x4mul,
  ...i32x4add,
  ...op.set(base4),
  ...op.i32(0),
  ...f64load(0),
  ...op.set(lo),
  ...op.i32(0),
  ...f64load(8),
  ...op.set(hi),
  ...v128const(new Uint8Array(new Float32Array(4).fill(Infinity).buffer)),
  ...op.set(lo4),
  ...v128const(new Uint8Array(new Float32Array(4).fill(-Infinity).buffer)),
  ...op.set(hi4),
  ...v128const(new Uint8Array(new Int32Array(4).fill(0x7fc0dead).buffer)),
  ...op.set(prev4),
  ...op.get(counts),
  ...op.set(last),
];

/**
 * Four values that differ from the last one counted: lanes of min and max (f32x4.pmin/pmax compare as
 * `v < min`, `v > max`, so NaN changes neither), |v| * inv in f64 (two f64x2 halves, as JS computes it),
 * the slot min(trunc_sat(x), n) (x >= n exactly when its truncation is, NaN goes to 0 as JS's `x | 0`
 * takes it, and slot n holds the values past the last bin), and one more in each lane's own copy.
 */
const fourValues = [
  ...op.get(lo4),
  ...op.get(a),
  ...f32x4pmin,
  ...op.set(lo4),
  ...op.get(hi4),
  ...op.get(a),
  ...f32x4pmax,
  ...op.set(hi4),
  ...op.get(a),
  ...f32x4abs,
  ...op.tee(ix),
  ...promoteLow,
  ...op.get(inv2),
  ...f64x2mul,
  ...truncSatF64x2U,
  ...op.get(ix),
  ...op.get(ix),
  ...shuffle32([2, 3, 0, 1]),
  ...promoteLow,
  ...op.get(inv2),
  ...f64x2mul,
  ...truncSatF64x2U,
  ...shuffle32([0, 1, 4, 5]),
  ...op.get(n4),
  ...i32x4minU,
  ...op.i32(2),
  ...i32x4shl,
  ...op.get(base4),
  ...i32x4add,
  ...op.set(ix),
  ...LANES.flatMap((l) => [...op.get(ix), ...i32x4lane(l), ...increment(1)]),
  ...op.get(slot),
  ...op.set(last),
  ...op.get(a),
  ...op.get(a),
  ...shuffle32([3, 3, 3, 3]),
  ...op.set(prev4),
];

/**
 * Each group of four: where all four have the bits of the last value counted (a ReLU's zeros, a page's
 * blank paper: runs of one value), four more in that value's slot; else fourValues.
 */
const groups = [
  ...op.get(data),
  ...op.get(count),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.set(end),
  ...loopOn(data, end, 16, [
    ...op.get(data),
    ...op.v128load(0),
    ...op.tee(a),
    ...op.get(prev4),
    ...i32x4eq,
    ...i32x4allTrue,
    ...ifThen,
    ...op.get(last),
    ...increment(4),
    ...orElse,
    ...fourValues,
    ...op.end,
  ]),
];

const mergeLane = (l: number) => [
  ...op.get(lo4),
  ...f32x4lane(l),
  ...f64promote,
  ...keep(f64lt, lo),
  ...op.get(hi4),
  ...f32x4lane(l),
  ...f64promote,
  ...keep(f64gt, hi),
];

/** The lanes' extremes merged into the scalar ones, stored back. */
const finish = [
  ...LANES.flatMap(mergeLane),
  ...op.i32(0),
  ...op.get(lo),
  ...f64store(0),
  ...op.i32(0),
  ...op.get(hi),
  ...f64store(8),
];

/**
 * bin(data, count, counts, inv, n). Params: 0 data (byte offset of `count` f32 values, count a multiple
 * of four), 1 count, 2 counts (byte offset of four copies of n + 1 i32 counts, one copy per lane: the
 * slot n counts the values past the last bin), 3 inv (f64), 4 n. Memory [0, 16): the extremes (two f64),
 * widened to the values.
 *
 * Four values per iteration in SIMD (see fourValues and groups): each lane counts into its own copy, so
 * that a run of one bin does not wait on one slot's increments; the caller adds the copies up.
 */
export function binModuleBytes(): Uint8Array {
  const code = [
    ...vec([
      [...uleb(3), I32],
      [...uleb(3), F64],
      [...uleb(8), V128],
    ]),
    ...setup,
    ...groups,
    ...finish,
    ...op.end,
  ];
  const type = [0x60, ...vec([[I32], [I32], [I32], [F64], [I32]]), ...vec([])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name('bin'), 0x00, ...uleb(0)]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}
