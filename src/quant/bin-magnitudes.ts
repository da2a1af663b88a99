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
  const bytes = binModuleBytes();
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
