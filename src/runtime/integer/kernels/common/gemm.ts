import type { Region, Scratch, WasmArena } from '../../wasm/arena.js';

/**
 * A fixed-size int8 GEMM in the plan's WebAssembly memory: C [rows, n] = A [rows, kp] B [n, kp]^T with
 * int32 C. B holds the weights (rows zero-padded to kp = K rounded up to 8, n = channels rounded up to
 * 4), written once. It runs a tile of `tile` rows at a time (WasmArena.tileRows; a multiple of `unit`):
 * the kernel writes the tile's rows of A (im2col) before each call, and rescales its C after. Each output
 * row is its own sums, so tiles give the integers of one whole-image call.
 */
export class Int8Gemm {
  readonly kp: number;
  readonly n: number;
  /** Rows per `run`, at most. */
  readonly tile: number;
  /** A, the arena's shared scratch: written before each call (its rows' tails past K meet B's zeros). */
  private readonly a: Scratch;
  private readonly b: Region;
  /** C, the arena's shared scratch: written and read back within each run. */
  private readonly c: Scratch;

  constructor(
    private readonly arena: WasmArena,
    weights: Int8Array,
    channels: number,
    readonly K: number,
    readonly rows: number,
    unit = 1,
  ) {
    this.kp = Math.ceil(K / 8) * 8;
    this.n = Math.ceil(channels / 4) * 4;
    this.tile = arena.tileRows(rows, Math.max(this.kp, this.n * 4), unit);
    // the kernel takes rows in pairs: room for a last odd row's partner in A and C
    const even = this.tile + (this.tile % 2);
    this.a = arena.scratch(even * this.kp, 'inputs');
    this.b = arena.alloc(this.n * this.kp);
    this.c = arena.scratch(even * this.n * 4, 'accumulators');
    const b = this.b.int8();
    for (let ch = 0; ch < channels; ch++) b.set(weights.subarray(ch * K, (ch + 1) * K), ch * this.kp);
  }

  /**
   * A's rows (of the tile), row r at [r kp, r kp + K), to be written before each run. The tail up to kp
   * may hold what another kernel left there: B is zero there, so it adds nothing.
   */
  input(): Int8Array {
    return this.a.int8();
  }

  /**
   * Runs the GEMM on the first `rows` (at most `tile`) rows of A; C, row r at [r n, r n + channels), is
   * `output()` (in the arena at `outputOffset`).
   */
  run(rows = this.tile): void {
    this.arena.gemm(this.a.offset, this.b.offset, this.c.offset, rows, this.n, this.kp, this.n);
  }

  output(): Int32Array {
    return this.c.int32();
  }

  get outputOffset(): number {
    return this.c.offset;
  }
}
