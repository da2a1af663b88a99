/**
 * The WebAssembly module of binMagnitudes, written with the integer executor's small assembler: its
 * locals, the code fragments of its one function, and the module around them.
 */
import { I32, V128, loopOn, name, op, section, uleb, vec } from '../runtime/integer/wasm/assembler.js';

// Opcodes beyond the assembler's table: scalar f32/f64 and the SIMD ones used here.
const F64 = 0x7c;
const f32load = (offset: number) => [0x2a, 2, ...uleb(offset)];
const f64load = (offset: number) => [0x2b, 3, ...uleb(offset)];
const f64store = (offset: number) => [0x39, 3, ...uleb(offset)];
const f64const = (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];
const f64promote = [0xbb];
const f64abs = [0x99];
const f64add = [0xa0];
const f64mul = [0xa2];
const f64lt = [0x63];
const f64gt = [0x64];
const f64ge = [0x66];
const f64convertU = [0xb8];
const truncSatU = [0xfc, 3];
const gtU = [0x4b];
const LANES = [0, 1, 2, 3];
const simd = (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm];
const v128const = (bytes: ArrayLike<number>) => simd(12, ...Array.from(bytes));
/** i8x16.shuffle of two vectors by 32-bit lanes (0-3 the first's, 4-7 the second's). */
const shuffle32 = (lanes: number[]) => simd(13, ...lanes.flatMap((l) => [0, 1, 2, 3].map((b) => l * 4 + b)));
const i32x4splat = simd(17);
const f64x2splat = simd(20);
const i32x4lane = (l: number) => simd(27, l);
const f32x4lane = (l: number) => simd(31, l);
const f64x2ge = simd(76);
const bitselect = simd(82);
const promoteLow = simd(95);
const i32x4shl = simd(171);
const i32x4add = simd(174);
const i32x4sub = simd(177);
const f32x4abs = simd(224);
const f32x4pmin = simd(234);
const f32x4pmax = simd(235);
const f64x2mul = simd(242);
const truncSatF64x2U = simd(253);

// Locals of bin(data, count, bins, inv, n); see binModuleBytes.
const [data, count, bins, inv, n] = [0, 1, 2, 3, 4];
// i32: end (also the address of the slot being merged at the end), index, past, second, lane address
const [end, index, past, second, slot] = [5, 6, 7, 8, 9];
// f64
const [v, lo, hi, x, nf] = [10, 11, 12, 13, 14];
// v128
const [a, lo4, hi4, inv2, n2, n4, base4, past4, mask4, d0, d1] = [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
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
/** The address of f64 slot `i` (a local) from the base address in local `base`. */
const slotOf = (base: number, i: number) => [
  ...op.get(base),
  ...op.get(i),
  ...op.i32(3),
  ...op.shl,
  ...op.add,
];
/** One value at `data` + `offset` into the first copy (scalar). */
const value = (offset: number) => [
  ...op.get(data),
  ...f32load(offset),
  ...f64promote,
  ...keep(f64lt, lo),
  ...op.get(v),
  ...keep(f64gt, hi),
  ...op.get(v),
  ...f64abs,
  ...op.get(inv),
  ...f64mul,
  ...op.tee(x),
  ...op.get(nf),
  ...f64ge,
  ...op.tee(index),
  ...op.get(past),
  ...op.add,
  ...op.set(past),
  ...op.get(n),
  ...op.get(x),
  ...truncSatU,
  ...op.get(index),
  ...op.select,
  ...op.i32(3),
  ...op.shl,
  ...op.get(bins),
  ...op.add,
  ...increment,
];
/** One more in the f64 slot whose address is on the stack. */
const increment = [
  ...op.tee(slot),
  ...op.get(slot),
  ...f64load(0),
  ...f64const(1),
  ...f64add,
  ...f64store(0),
];
/** Four values at `data`. */
const fourValues = [
  ...op.get(data),
  ...op.v128load(0),
  ...op.tee(a),
  ...op.get(lo4),
  ...op.get(a),
  ...f32x4pmin,
  ...op.set(lo4),
  ...op.get(hi4),
  ...op.get(a),
  ...f32x4pmax,
  ...op.set(hi4),
  // x of lanes 0, 1 and of lanes 2, 3, in f64
  ...op.get(a),
  ...f32x4abs,
  ...op.tee(a),
  ...promoteLow,
  ...op.get(inv2),
  ...f64x2mul,
  ...op.set(d0),
  ...op.get(a),
  ...op.get(a),
  ...shuffle32([2, 3, 0, 1]),
  ...promoteLow,
  ...op.get(inv2),
  ...f64x2mul,
  ...op.set(d1),
  // mask4: lanes with x >= n
  ...op.get(d0),
  ...op.get(n2),
  ...f64x2ge,
  ...op.get(d1),
  ...op.get(n2),
  ...f64x2ge,
  ...shuffle32([0, 2, 4, 6]),
  ...op.tee(mask4),
  ...op.get(past4),
  ...op.get(mask4),
  ...i32x4sub,
  ...op.set(past4),
  // slot addresses: (mask ? n : trunc_sat(x)) * 8 + base
  ...op.get(n4),
  ...op.get(d0),
  ...truncSatF64x2U,
  ...op.get(d1),
  ...truncSatF64x2U,
  ...shuffle32([0, 1, 4, 5]),
  ...op.get(mask4),
  ...bitselect,
  ...op.i32(3),
  ...i32x4shl,
  ...op.get(base4),
  ...i32x4add,
  ...op.set(a),
  ...LANES.flatMap((l) => [...op.get(a), ...i32x4lane(l), ...increment]),
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

/** Splats of n and inv, the extremes loaded, the lanes' extremes at +-Infinity, base4 and second. */
const setup = [
  ...op.get(n),
  ...f64convertU,
  ...op.tee(nf),
  ...f64x2splat,
  ...op.set(n2),
  ...op.get(n),
  ...i32x4splat,
  ...op.set(n4),
  ...op.get(inv),
  ...f64x2splat,
  ...op.set(inv2),
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
  ...op.get(bins),
  ...op.get(n),
  ...op.i32(1),
  ...op.add,
  ...op.i32(3),
  ...op.shl,
  ...op.add,
  ...op.set(second),
  // base4 = [bins, second, bins, second]
  ...op.get(bins),
  ...i32x4splat,
  ...op.get(second),
  ...i32x4splat,
  ...shuffle32([0, 4, 0, 4]),
  ...op.set(base4),
];

/** The values in groups of four (SIMD). */
const groupsOfFour = [
  // end = data + 4 * (count & ~3): groups of four first
  ...op.get(data),
  ...op.get(count),
  ...op.i32(-4),
  ...op.and,
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.set(end),
  ...loopOn(data, end, 16, fourValues),
];

/** The last count % 4 values, one at a time. */
const lastValues = [
  // the last count % 4 values
  ...op.get(data),
  ...op.get(count),
  ...op.i32(3),
  ...op.and,
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.set(end),
  ...loopOn(data, end, 4, value(0)),
];

/** Lanes merged into the scalar extremes and `past`, the second bin copy added into the first and zeroed. */
const finish = [
  ...LANES.flatMap(mergeLane),
  // past += the lanes' counts
  ...op.get(past),
  ...LANES.flatMap((l) => [...op.get(past4), ...i32x4lane(l), ...op.add]),
  ...op.set(past),
  // first copy += second copy; second copy = 0 (slots 0..n, the past-the-end slot included)
  ...op.i32(0),
  ...op.set(index),
  ...op.block,
  ...op.loop,
  ...op.get(index),
  ...op.get(n),
  ...gtU,
  ...op.brIf(1),
  ...slotOf(bins, index),
  ...op.tee(end),
  ...op.get(end),
  ...f64load(0),
  ...slotOf(second, index),
  ...f64load(0),
  ...f64add,
  ...f64store(0),
  ...slotOf(second, index),
  ...f64const(0),
  ...f64store(0),
  ...op.get(index),
  ...op.i32(1),
  ...op.add,
  ...op.set(index),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.i32(0),
  ...op.get(lo),
  ...f64store(0),
  ...op.i32(0),
  ...op.get(hi),
  ...f64store(8),
  ...op.get(past),
];

/**
 * bin(data, count, bins, inv, n) -> past. Params: 0 data (byte offset), 1 count, 2 bins (byte offset of
 * the first copy; the second follows at n + 1 slots), 3 inv (f64), 4 n.
 *
 * Four values per iteration in SIMD: lanes of min and max (f32x4.pmin/pmax compare as `v < min`,
 * `v > max`, so NaN changes neither), |v| * inv in f64 (two f64x2 halves, as JS computes it), the slot
 * x >= n ? n : trunc_sat(x) (trunc_sat takes NaN to 0, as JS's `x | 0`) and the count of x >= n per
 * lane; then one more in each of the four slots, lanes 0 and 2 into the first copy, 1 and 3 into the
 * second. The last count % 4 values go one at a time (scalar, into the first copy); then the lanes'
 * extremes are merged into the scalar ones, and the second copy is added into the first and zeroed.
 */
export function binModuleBytes(): Uint8Array {
  const code = [
    ...vec([
      [...uleb(5), I32],
      [...uleb(5), F64],
      [...uleb(11), V128],
    ]),
    ...setup,
    ...groupsOfFour,
    ...lastValues,
    ...finish,
    ...op.end,
  ];
  const type = [0x60, ...vec([[I32], [I32], [I32], [F64], [I32]]), ...vec([[I32]])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([uleb(0)])),
    ...section(7, vec([[...name('bin'), 0x00, ...uleb(0)]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}
