/**
 * The inner loop of calibration's histograms (GrowingHistogramObserver.observe): every activation value
 * of every calibrated tensor of every sample passes through it, hundreds of millions on a detector, so
 * it runs in WebAssembly (written with the integer executor's small assembler) where the tensor is
 * large. The JS loop gives the same counts and extremes (but for the sign of a zero extreme when both
 * -0 and 0 occur, which no range depends on) and serves small tensors, where copying in and out costs
 * more than it saves, and runtimes without WebAssembly SIMD.
 */
import { webAssembly as api, type WebAssemblyApi } from '../runtime/integer/wasm/api.js';
import { binModuleBytes } from './bin-magnitudes-wasm.js';

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
 * Below this many values the JS loop is as fast: a WebAssembly call copies the data in and adds the
 * counts out (about 5 us per call). Per value, WebAssembly takes about 1.5 ns and JS 6 (PP-OCRv4 det's 97
 * histogram maps of a rendered page at 640x640, CPU time; 2.1-2.6 ns with the earlier module, which copied
 * each map whole into its memory, took |v| * inv's bin apart from its overflow test, counted in f64 in two
 * copies and had no shortcut for runs).
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

/** Values copied into the module's memory and binned per call: 64 KB, which the binning reads from cache. */
const CHUNK = 16384;

/** Counts per copy are flushed into the caller's bins before an i32 slot could overflow. */
const FLUSH = 2 ** 30;

/**
 * Its memory: [0, 16) the extremes (two f64); four copies of the counts (i32, one slot more each, where
 * values past the last bin go), one per SIMD lane, so that runs of equal bins (a ReLU's zeros) do not
 * all wait on one slot's increments; then a chunk of the data (f32). The data goes in chunk by chunk,
 * the counts are added into the caller's bins at the end (and zeroed), the last count % 4 values are
 * binned by the JS loop.
 */
function instantiate(wa: WebAssemblyApi): Kernel | null {
  const bytes = binModuleBytes();
  if (!wa.validate(bytes)) return null;
  const memory = new wa.Memory({ initial: 1 });
  const bin = new wa.Instance(new wa.Module(bytes), { env: { memory } }).exports.bin as (
    data: number,
    count: number,
    counts: number,
    inv: number,
    n: number,
  ) => void;
  let f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  let f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let i32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  return {
    run(data, bins, inv, ext) {
      const n = bins.length;
      const slots = n + 1;
      const start = 16 + 16 * slots;
      const need = start + CHUNK * 4 - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      if (f64.buffer !== memory.buffer) {
        f64 = new Float64Array(memory.buffer);
        f32 = new Float32Array(memory.buffer);
        i32 = new Int32Array(memory.buffer);
      }
      let past = 0;
      const flush = () => {
        for (let i = 0; i < slots; i++) {
          const c = i32[4 + i]! + i32[4 + slots + i]! + i32[4 + 2 * slots + i]! + i32[4 + 3 * slots + i]!;
          if (i < n) bins[i]! += c;
          else past += c;
        }
        i32.fill(0, 4, 4 + 4 * slots);
      };
      i32.fill(0, 4, 4 + 4 * slots);
      f64.set(ext, 0);
      const groups = data.length - (data.length % 4);
      let counted = 0;
      for (let at = 0; at < groups; at += CHUNK) {
        const len = Math.min(CHUNK, groups - at);
        f32.set(data.subarray(at, at + len), start / 4);
        bin(start, len, 16, inv, n);
        if ((counted += len) >= FLUSH) {
          flush();
          counted = 0;
        }
      }
      flush();
      ext.set(f64.subarray(0, 2));
      return past + (groups < data.length ? binMagnitudesJs(data.subarray(groups), bins, inv, ext) : 0);
    },
  };
}
