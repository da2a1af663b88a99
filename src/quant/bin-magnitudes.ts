/**
 * The inner loop of calibration's histograms (GrowingHistogramObserver.observe): every activation value
 * of every calibrated tensor of every sample passes through it, hundreds of millions on a detector, so
 * it runs in WebAssembly (written with the integer executor's small assembler) where the tensor is
 * large. The JS loop gives the same counts and extremes (but for the sign of a zero extreme when both
 * -0 and 0 occur, which no range depends on) and serves small tensors, where copying in and out costs
 * more than it saves, and runtimes without WebAssembly SIMD.
 */
import { webAssembly as api, type WebAssemblyApi } from '../runtime/integer/wasm/api.js';
import { name, op, section, uleb, vec } from '../runtime/integer/wasm/assembler.js';

/**
 * Counts |v| * inv of each value of `data` into `bins` (bin floor(|v| * inv); values at or past
 * bins.length only in the returned number, NaN in bin 0) and widens ext[0] (min) and ext[1] (max) to the
 * values, comparing as `v < min` and `v > max` (NaN changes neither).
 */
export function binMagnitudes(
  data: Float32Array,
  bins: Float64Array,
  inv: number,
  ext: Float64Array,
): number {
  const w = data.length >= WASM_MIN ? kernel() : undefined;
  return w ? w.run(data, bins, inv, ext) : binMagnitudesJs(data, bins, inv, ext);
}

/**
 * The same in JS. The loop is a function of its own because V8 optimizes a long loop on its first call
 * together with the code after it, which has not run yet and so has no type feedback: the optimized loop
 * was discarded on reaching that code, on every later call again. The extremes stay in `ext`, a
 * Float64Array: as local variables updated under a condition V8 (Node 20) kept them as tagged numbers,
 * 14 to 20 ns per value on ReLU outputs against 4 to 6.
 */
export function binMagnitudesJs(
  data: Float32Array,
  bins: Float64Array,
  inv: number,
  ext: Float64Array,
): number {
  const n = bins.length;
  let past = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < ext[0]!) ext[0] = v;
    if (v > ext[1]!) ext[1] = v;
    const x = Math.abs(v) * inv;
    if (x >= n) past++;
    else bins[x | 0]!++;
  }
  return past;
}

/**
 * Below this many values the JS loop is as fast: a WebAssembly call copies the data and the bins in and
 * out (about 5 us per call). Per value, WebAssembly takes about 2.2 ns and JS 6.
 */
const WASM_MIN = 2048;

interface Kernel {
  run(data: Float32Array, bins: Float64Array, inv: number, ext: Float64Array): number;
}

let instance: Kernel | null | undefined;

/** The WebAssembly loop, instantiated once per process; undefined where WebAssembly is unavailable. */
function kernel(): Kernel | undefined {
  if (instance === undefined) instance = api ? instantiate(api) : null;
  return instance ?? undefined;
}

/**
 * Its memory: [0, 16) the extremes (two f64); two copies of the bins (f64, one slot more each, where
 * values past the last bin go), so that runs of equal bins (a ReLU's zeros) do not all wait on one
 * slot's increments; then the data (f32). Per call the bins are copied in and out (the module adds the
 * second copy into the first).
 */
function instantiate(wa: WebAssemblyApi): Kernel | null {
  const bytes = moduleBytes();
  if (!wa.validate(bytes)) return null;
  const memory = new wa.Memory({ initial: 1 });
  const bin = new wa.Instance(new wa.Module(bytes), { env: { memory } }).exports.bin as (
    data: number,
    count: number,
    bins: number,
    inv: number,
    n: number,
  ) => number;
  let f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  let f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  return {
    run(data, bins, inv, ext) {
      const n = bins.length;
      const start = 16 + 16 * (n + 1);
      const need = start + data.length * 4 - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      if (f64.buffer !== memory.buffer) {
        f64 = new Float64Array(memory.buffer);
        f32 = new Float32Array(memory.buffer);
      }
      f64.set(ext, 0);
      f64.set(bins, 2);
      f32.set(data, start / 4);
      const past = bin(start, data.length, 16, inv, n);
      bins.set(f64.subarray(2, 2 + n));
      ext.set(f64.subarray(0, 2));
      return past;
    },
  };
}

// Opcodes beyond the assembler's table: scalar f32/f64 and the SIMD ones used here.
const F64 = 0x7c;
const I32 = 0x7f;
const V128 = 0x7b;
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
const geU = [0x4f];
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
function moduleBytes(): Uint8Array {
  const [data, count, bins, inv, n] = [0, 1, 2, 3, 4];
  // i32: end (also the address of the slot being merged at the end), index, past, second, lane address
  const [end, index, past, second, slot] = [5, 6, 7, 8, 9];
  // f64
  const [v, lo, hi, x, nf] = [10, 11, 12, 13, 14];
  // v128
  const [a, lo4, hi4, inv2, n2, n4, base4, past4, mask4, d0, d1] = [
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
  ];
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
  const body = [
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
    // end = data + 4 * (count & ~3): groups of four first
    ...op.get(data),
    ...op.get(count),
    ...op.i32(-4),
    ...op.and,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(data),
    ...op.get(end),
    ...geU,
    ...op.brIf(1),
    ...fourValues,
    ...op.get(data),
    ...op.i32(16),
    ...op.add,
    ...op.set(data),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // the last count % 4 values
    ...op.get(data),
    ...op.get(count),
    ...op.i32(3),
    ...op.and,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(end),
    ...op.block,
    ...op.loop,
    ...op.get(data),
    ...op.get(end),
    ...geU,
    ...op.brIf(1),
    ...value(0),
    ...op.get(data),
    ...op.i32(4),
    ...op.add,
    ...op.set(data),
    ...op.br(0),
    ...op.end,
    ...op.end,
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
  const code = [
    ...vec([
      [...uleb(5), I32],
      [...uleb(5), F64],
      [...uleb(11), V128],
    ]),
    ...body,
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
