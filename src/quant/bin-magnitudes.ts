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

/** Below this many values the JS loop is as fast (the WebAssembly call copies the data and the counts). */
const WASM_MIN = 1 << 14;

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
 * Its memory: [0, 16) the extremes (two f64), then the counts (one i32 per bin and one more, where values
 * past the last bin go), then the data (f32), copied in per call.
 */
function instantiate(wa: WebAssemblyApi): Kernel | null {
  const bytes = moduleBytes();
  if (!wa.validate(bytes)) return null;
  const memory = new wa.Memory({ initial: 1 });
  const bin = new wa.Instance(new wa.Module(bytes), { env: { memory } }).exports.bin as (
    data: number,
    count: number,
    counts: number,
    inv: number,
    bins: number,
  ) => number;
  return {
    run(data, bins, inv, ext) {
      const n = bins.length;
      const counts = 16;
      const start = (counts + (n + 1) * 4 + 15) & ~15;
      const need = start + data.length * 4 - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      const buffer = memory.buffer;
      new Float64Array(buffer, 0, 2).set(ext);
      const c = new Int32Array(buffer, counts, n + 1);
      c.fill(0);
      new Float32Array(buffer, start, data.length).set(data);
      const past = bin(start, data.length, counts, inv, n);
      for (let i = 0; i < n; i++) bins[i]! += c[i]!;
      ext.set(new Float64Array(buffer, 0, 2));
      return past;
    },
  };
}

// Opcodes beyond the assembler's table (scalar f32/f64 arithmetic).
const F64 = 0x7c;
const I32 = 0x7f;
const f32load = [0x2a, 2, 0];
const f64load = (offset: number) => [0x2b, 3, ...uleb(offset)];
const f64store = (offset: number) => [0x39, 3, ...uleb(offset)];
const f64promote = [0xbb];
const f64abs = [0x99];
const f64mul = [0xa2];
const f64lt = [0x63];
const f64gt = [0x64];
const f64ge = [0x66];
const f64convertU = [0xb8];
const truncSatU = [0xfc, 3];
const geU = [0x4f];

/**
 * bin(data, count, counts, inv, n) -> past. Params: 0 data (byte offset), 1 count, 2 counts (byte
 * offset), 3 inv (f64), 4 n (bins). Locals: 5 end, 6 index, 7 past, 8 v, 9 lo, 10 hi, 11 x, 12 nf.
 * Per value, branch-free: lo = v < lo ? v : lo, hi = v > hi ? v : hi, x = |v| inv, past += x >= n,
 * counts[x >= n ? n : trunc_sat(x)] += 1 (trunc_sat takes NaN to 0, as JS's `x | 0`).
 */
function moduleBytes(): Uint8Array {
  const [data, count, counts, inv, n] = [0, 1, 2, 3, 4];
  const [end, index, past, v, lo, hi, x, nf] = [5, 6, 7, 8, 9, 10, 11, 12];
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
    ...op.get(data),
    ...op.get(count),
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
    ...op.get(data),
    ...f32load,
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
    // index = (x >= n ? n : trunc_sat(x)) * 4 + counts
    ...op.get(n),
    ...op.get(x),
    ...truncSatU,
    ...op.get(index),
    ...op.select,
    ...op.i32(2),
    ...op.shl,
    ...op.get(counts),
    ...op.add,
    ...op.tee(index),
    ...op.get(index),
    ...op.load(0),
    ...op.i32(1),
    ...op.add,
    ...op.store(0),
    ...op.get(data),
    ...op.i32(4),
    ...op.add,
    ...op.set(data),
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
      [...uleb(3), I32],
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
