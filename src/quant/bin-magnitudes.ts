/**
 * The inner loop of calibration's histograms (GrowingHistogramObserver.observe): every activation value
 * of every calibrated tensor of every sample passes through it, hundreds of millions on a detector, so
 * it runs in WebAssembly (written with the integer executor's small assembler) where the tensor is
 * large. The JS loop gives the same counts and extremes and serves small tensors, where copying in and
 * out costs more than it saves, and runtimes without WebAssembly.
 */
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
 * out (about 5 us per call). Per value, WebAssembly takes about 3 ns and JS 6.
 */
const WASM_MIN = 2048;

/** The part of the WebAssembly JS API used here (the project's lib settings carry no WebAssembly types). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => Memory;
}
const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

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
 * values past the last bin go), the even-indexed values counting into the first and the odd into the
 * second, so that runs of equal bins (a ReLU's zeros) do not wait on each other's increments; then the
 * data (f32). Per call the bins are copied in and out (the module adds the second copy into the first).
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

// Opcodes beyond the assembler's table (scalar f32/f64 arithmetic).
const F64 = 0x7c;
const I32 = 0x7f;
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

/**
 * bin(data, count, bins, inv, n) -> past. Params: 0 data (byte offset), 1 count, 2 bins (byte offset of
 * the first copy; the second follows at n + 1 slots), 3 inv (f64), 4 n. Locals: 5 end, 6 index, 7 past,
 * 8 second (byte offset of the second copy), 9 v, 10 lo, 11 hi, 12 x, 13 nf. Per value, branch-free:
 * lo = v < lo ? v : lo, hi = v > hi ? v : hi, x = |v| inv, past += x >= n, and one more in slot
 * x >= n ? n : trunc_sat(x) (trunc_sat takes NaN to 0, as JS's `x | 0`). Two values per iteration, one
 * into each copy; then the second copy is added into the first and zeroed.
 */
function moduleBytes(): Uint8Array {
  const [data, count, bins, inv, n] = [0, 1, 2, 3, 4];
  // `end` is also the address of the slot being merged in the final loop.
  const [end, index, past, second, v, lo, hi, x, nf] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  /** One value at `data` + `offset` into the copy at byte offset `base` (a local). */
  const value = (offset: number, base: number) => [
    ...op.get(data),
    ...f32load(offset),
    ...f64promote,
    ...op.tee(v),
    ...op.get(lo),
    ...op.get(v),
    ...op.get(lo),
    ...f64lt,
    ...op.select,
    ...op.set(lo),
    ...op.get(v),
    ...op.get(hi),
    ...op.get(v),
    ...op.get(hi),
    ...f64gt,
    ...op.select,
    ...op.set(hi),
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
    ...op.get(base),
    ...op.add,
    ...op.tee(index),
    ...op.get(index),
    ...f64load(0),
    ...f64const(1),
    ...f64add,
    ...f64store(0),
  ];
  const body = [
    ...op.get(n),
    ...f64convertU,
    ...op.set(nf),
    ...op.i32(0),
    ...f64load(0),
    ...op.set(lo),
    ...op.i32(0),
    ...f64load(8),
    ...op.set(hi),
    ...op.get(bins),
    ...op.get(n),
    ...op.i32(1),
    ...op.add,
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.set(second),
    // end = data + 4 * (count & ~1): pairs first
    ...op.get(data),
    ...op.get(count),
    ...op.i32(-2),
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
    ...value(0, bins),
    ...value(4, second),
    ...op.get(data),
    ...op.i32(8),
    ...op.add,
    ...op.set(data),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // an odd count's last value
    ...op.block,
    ...op.get(count),
    ...op.i32(1),
    ...op.and,
    ...op.eqz,
    ...op.brIf(0),
    ...value(0, bins),
    ...op.end,
    // first copy += second copy; second copy = 0 (slots 0..n, the past-the-end slot included)
    ...op.i32(0),
    ...op.set(index),
    ...op.block,
    ...op.loop,
    ...op.get(index),
    ...op.get(n),
    ...gtU,
    ...op.brIf(1),
    ...op.get(bins),
    ...op.get(index),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.tee(end),
    ...op.get(end),
    ...f64load(0),
    ...op.get(second),
    ...op.get(index),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...f64load(0),
    ...f64add,
    ...f64store(0),
    ...op.get(second),
    ...op.get(index),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
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
      [...uleb(4), I32],
      [...uleb(5), F64],
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
