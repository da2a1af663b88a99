import { webAssembly as api, type WasmMemory as Memory } from './api.js';
import { int8ModuleBytes } from './int8-module.js';

/**
 * The scratch of one step of a conv, FC or depthwise conv, at most (WasmArena.tileRows): its kernels run
 * on tiles of output rows, so that the im2col rows and int32 accumulators of a whole image are never held
 * (PP-OCRv4 det at 640x640: 21 MiB of im2col and 12.5 MiB of accumulators per executor). Tiles of
 * 256 KiB keep A and C in the core's L2 cache between the GEMM and the rescale that reads C back.
 */
export const TILE_BYTES = 256 * 1024;

type Gemm = (a: number, b: number, c: number, rows: number, n: number, kp: number, ldc: number) => void;
type Requant = (
  c: number,
  rows: number,
  n: number,
  add: number,
  scale: number,
  zo: number,
  lo: number,
  hi: number,
  out: number,
  outRow: number,
) => void;
/** requantShift / requantFixed (int8-module.ts): c, rows, n, pre, lo, hi, out, C, then per-channel tables. */
type ScalarRequant = (...args: number[]) => void;
type DwConv = (
  x: number,
  bases: number,
  pixels: number,
  taps: number,
  count: number,
  w: number,
  c: number,
  cp: number,
) => void;

let compiled: object | null | undefined;

/** The int8 kernels' module, compiled once per process; null where WebAssembly SIMD is unavailable. */
function gemmModule(): object | null {
  if (compiled === undefined) {
    const bytes = int8ModuleBytes();
    compiled = api?.validate(bytes) ? new api.Module(bytes) : null;
  }
  return compiled;
}

/** A block of the arena's memory; its views follow the memory when it grows. */
export class Region {
  private buffer?: ArrayBuffer;
  private i8?: Int8Array;
  private i32?: Int32Array;

  constructor(
    private readonly memory: Memory,
    readonly offset: number,
    readonly bytes: number,
  ) {}

  int8(): Int8Array {
    this.refresh();
    return this.i8!;
  }

  int32(): Int32Array {
    this.refresh();
    return this.i32!;
  }

  float32(): Float32Array {
    return new Float32Array(this.memory.buffer, this.offset, this.bytes >> 2);
  }

  float64(): Float64Array {
    return new Float64Array(this.memory.buffer, this.offset, this.bytes >> 3);
  }

  private refresh(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.i8 = new Int8Array(this.buffer, this.offset, this.bytes);
    this.i32 = new Int32Array(this.buffer, this.offset, this.bytes >> 2);
  }
}

/**
 * What a shared scratch block holds: a conv's padded image, the inputs a kernel makes of it (a GEMM's A,
 * the im2col rows; a depthwise conv reads its padded image as its input), the int32 accumulators it
 * computes from those, the int8 rows requantized from them. They are read and written together, so never
 * overlap.
 */
export type ScratchUse = 'image' | 'inputs' | 'accumulators' | 'rows';

/** The arena's shared scratch block (WasmArena.scratch): where it lies once the plan has placed it. */
export class Scratch {
  region?: Region;
  bytes = 0;

  int8(): Int8Array {
    return this.placed().int8();
  }

  get offset(): number {
    return this.placed().offset;
  }

  int32(): Int32Array {
    return this.placed().int32();
  }

  private placed(): Region {
    if (!this.region)
      throw new Error('integer executor: the WebAssembly scratch was used before it was placed');
    return this.region;
  }
}

/**
 * One plan's WebAssembly memory: kernels allocate their weights, inputs and accumulators here while they
 * prepare, and call the int8 kernels (int8-module.ts) on them while they run.
 */
export class WasmArena {
  private top = 0;

  private constructor(
    /** The most bytes of scratch a tile of rows takes (see `tileRows`). */
    readonly tileBytes: number,
    private readonly memory: Memory,
    readonly gemm: Gemm,
    readonly dwconv: DwConv,
    readonly requant: Requant,
    readonly requantShift: ScalarRequant,
    readonly requantFixed: ScalarRequant,
  ) {}

  /** An arena, or undefined where WebAssembly SIMD is unavailable (kernels then use their JS loops). */
  static create(tileBytes = TILE_BYTES): WasmArena | undefined {
    const module = gemmModule();
    if (!module || !api) return undefined;
    const memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(module, { env: { memory } });
    const e = instance.exports;
    return new WasmArena(
      tileBytes,
      memory,
      e.gemm as Gemm,
      e.dwconv as DwConv,
      e.requant as Requant,
      e.requantShift as ScalarRequant,
      e.requantFixed as ScalarRequant,
    );
  }

  /**
   * Scratch that a kernel writes and reads back within one of its runs: one block per use (see
   * ScratchUse), as large as the largest request, shared by every kernel of the plan, placed by
   * `commitScratch` once they all have asked. A private pair of accumulators and rows per conv was half
   * of PP-OCRv4 det's arena at 640x640 (185 MiB); private inputs (each GEMM's A, each depthwise conv's
   * image and accumulators) were 100 of the 117 MiB left, and each conv's padded image 16 MB more in JS.
   */
  scratch(bytes: number, use: ScratchUse): Scratch {
    const s = this.shared[use];
    s.bytes = Math.max(s.bytes, bytes);
    return s;
  }

  /**
   * Rows a kernel computes per step when each takes `rowBytes` of scratch (a GEMM's im2col row, its int32
   * accumulators): as many as fit `tileBytes`, a multiple of `unit` (at least one unit), at most `rows`.
   */
  tileRows(rows: number, rowBytes: number, unit = 1): number {
    const units = Math.max(1, Math.floor(this.tileBytes / (rowBytes * unit)));
    return Math.min(rows, units * unit);
  }

  /** Places the shared scratch (after every kernel of the plan has prepared, before any runs). */
  commitScratch(): void {
    for (const s of Object.values(this.shared)) if (s.bytes > 0 && !s.region) s.region = this.alloc(s.bytes);
  }

  private readonly shared: Record<ScratchUse, Scratch> = {
    image: new Scratch(),
    inputs: new Scratch(),
    accumulators: new Scratch(),
    rows: new Scratch(),
  };

  /** Bytes allocated (weights, tables, and the shared scratch once placed). */
  get bytes(): number {
    return this.top;
  }

  /** `bytes` bytes, 16-aligned, zero-filled. */
  alloc(bytes: number): Region {
    const offset = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    const missing = this.top - this.memory.buffer.byteLength;
    // By half again at least: each grow copies the whole memory here (V8), and PP-OCRv4 det at 640x640
    // allocated its 185 MiB in 145 grows (0.3-0.5 s of its setup). The pages past `top` are never
    // touched, so they cost address space, not memory.
    const pages = this.memory.buffer.byteLength / 65536;
    if (missing > 0) this.memory.grow(Math.max(Math.ceil(missing / 65536), Math.ceil(pages / 2)));
    return new Region(this.memory, offset, bytes);
  }
}
