/**
 * The WebAssembly kernels of one plan share their scratch (WasmArena.scratch: the GEMMs' accumulators
 * and the requantized rows). A chain of convs of different sizes and a TRANSPOSE_CONV, each reading what
 * the one before wrote, must give the JS loops' outputs (`wasm: false`, nothing shared), on every run.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { randomInt8, rng, TfliteGraphBuilder } from './builder.js';

function chain() {
  const random = rng(11);
  const b = new TfliteGraphBuilder();
  const q = (scale: number, zeroPoint = 0) => ({ scale, zeroPoint });
  b.input('x', [1, 6, 6, 5], q(2 ** -3, 4));
  const conv = (name: string, from: string, k: number, ic: number, oc: number, hw: number) => {
    b.int8(`${name}_w`, [oc, k, k, ic], randomInt8(oc * k * k * ic, random, -127), { scale: 2 ** -6 });
    b.int32(`${name}_b`, [oc], randomInt8(oc, random), { scale: 2 ** -9 });
    b.value(name, [1, hw, hw, oc], q(2 ** -2, -2));
    b.node('CONV_2D', [from, `${name}_w`, `${name}_b`], [name], { padding: 0, stride_w: 1, stride_h: 1 });
  };
  conv('a', 'x', 3, 5, 3, 6); // smallest accumulators first: the shared block grows after it prepared
  conv('c', 'a', 1, 3, 24, 6);
  conv('d', 'c', 3, 24, 13, 6);
  b.int32('shape', [4], [1, 12, 12, 4]);
  b.int8('t_w', [4, 2, 2, 13], randomInt8(4 * 4 * 13, random, -127), { scale: 2 ** -6 });
  b.value('y', [1, 12, 12, 4], q(2 ** -1, 1));
  b.node('TRANSPOSE_CONV', ['shape', 't_w', 'd'], ['y'], { padding: 1, stride_w: 2, stride_h: 2 });
  return b.outputs('y');
}

const ARITHMETIC: IntegerExecutorOptions[] = [
  { scheme: 'pow2', rounding: 'floor' },
  { scheme: 'pow2', rounding: 'nearest' },
  { scheme: 'affine' },
];

describe.each(ARITHMETIC)('kernels sharing WebAssembly scratch (%o)', (opts) => {
  it('give the JS loops’ outputs on every run', () => {
    const wasm = createIntegerExecutor(chain(), { ...opts, wasm: true });
    const js = createIntegerExecutor(chain(), { ...opts, wasm: false });
    for (const seed of [1, 2, 3]) {
      const x = new Tensor('int8', [1, 6, 6, 5], randomInt8(180, rng(seed)));
      const y = Array.from(wasm.run({ x }).y!.data as Int8Array);
      expect(y).toEqual(Array.from(js.run({ x }).y!.data as Int8Array));
      expect(new Set(y).size).toBeGreaterThan(5);
    }
  });
});

/**
 * `n` times: a 3x3 SAME conv then a 3x3 SAME depthwise conv on a 16x16x8 image, every value with its own
 * zero point, so that a padded image's border (the zero point) is not what the kernel before left in the
 * shared blocks.
 */
function padded(n: number) {
  const random = rng(5);
  const b = new TfliteGraphBuilder();
  b.input('x', [1, 16, 16, 8], { scale: 2 ** -3, zeroPoint: 3 });
  let from = 'x';
  const same = { padding: 0, stride_w: 1, stride_h: 1 };
  for (let i = 0; i < n; i++) {
    b.int8(`c${i}_w`, [8, 3, 3, 8], randomInt8(8 * 72, random, -127), { scale: 2 ** -6 });
    b.value(`c${i}`, [1, 16, 16, 8], { scale: 2 ** -2, zeroPoint: -5 - i });
    b.node('CONV_2D', [from, `c${i}_w`, ''], [`c${i}`], same);
    b.int8(`d${i}_w`, [1, 3, 3, 8], randomInt8(72, random, -127), { scale: 2 ** -4 });
    b.value(`d${i}`, [1, 16, 16, 8], { scale: 2 ** -1, zeroPoint: 7 + i });
    b.node('DEPTHWISE_CONV_2D', [`c${i}`, `d${i}_w`, ''], [`d${i}`], { ...same, depth_multiplier: 1 });
    from = `d${i}`;
  }
  return b.outputs(from);
}

describe.each(ARITHMETIC)('padded images in WebAssembly scratch (%o)', (opts) => {
  it('have their borders at the zero point on every run: the JS loops’ outputs', () => {
    const wasm = createIntegerExecutor(padded(3), { ...opts, wasm: true });
    const js = createIntegerExecutor(padded(3), { ...opts, wasm: false });
    for (const seed of [1, 2]) {
      const x = new Tensor('int8', [1, 16, 16, 8], randomInt8(2048, rng(seed)));
      const y = Array.from(wasm.run({ x }).d2!.data as Int8Array);
      expect(y).toEqual(Array.from(js.run({ x }).d2!.data as Int8Array));
      expect(new Set(y).size).toBeGreaterThan(5);
    }
  });
});

/** x [7, 13] -> FULLY_CONNECTED (5 outputs): rows of K 13, padded to 16 in the GEMM's A. */
function fullyConnected() {
  const random = rng(9);
  const b = new TfliteGraphBuilder();
  b.input('x', [7, 13], { scale: 2 ** -3, zeroPoint: 2 });
  b.int8('w', [5, 13], randomInt8(65, random, -127), { scale: 2 ** -6 });
  b.int32('b', [5], randomInt8(5, random), { scale: 2 ** -9 });
  b.value('y', [7, 5], { scale: 2 ** -2, zeroPoint: -1 });
  b.node('FULLY_CONNECTED', ['x', 'w', 'b'], ['y']);
  return b.outputs('y');
}

/**
 * With tiles of 200 bytes (WasmArena.tileRows), every WebAssembly kernel runs a few output rows at a time:
 * the conv 'a' 4 of its 36 pixels (im2col rows of 48 bytes), the depthwise convs 6 of 256 (a last tile of
 * 4), the FC 2 of its 7 rows (a last odd one), the TRANSPOSE_CONV 1 of its 36 input pixels. Each output row
 * is its own sums, so the JS loops' outputs come out.
 */
describe.each(ARITHMETIC)('WebAssembly kernels run in tiles of rows (%o)', (opts) => {
  const tiled = { ...opts, wasm: true, tileBytes: 200 };
  it('conv chain and TRANSPOSE_CONV: the JS loops’ outputs', () => {
    const [wasm, js] = [
      createIntegerExecutor(chain(), tiled),
      createIntegerExecutor(chain(), { ...opts, wasm: false }),
    ];
    const x = new Tensor('int8', [1, 6, 6, 5], randomInt8(180, rng(4)));
    const y = Array.from(wasm.run({ x }).y!.data as Int8Array);
    expect(y).toEqual(Array.from(js.run({ x }).y!.data as Int8Array));
    expect(new Set(y).size).toBeGreaterThan(5);
  });

  it('conv and depthwise conv on padded images: the JS loops’ outputs', () => {
    const [wasm, js] = [
      createIntegerExecutor(padded(2), tiled),
      createIntegerExecutor(padded(2), { ...opts, wasm: false }),
    ];
    const x = new Tensor('int8', [1, 16, 16, 8], randomInt8(2048, rng(6)));
    const y = Array.from(wasm.run({ x }).d1!.data as Int8Array);
    expect(y).toEqual(Array.from(js.run({ x }).d1!.data as Int8Array));
    expect(new Set(y).size).toBeGreaterThan(5);
  });

  it('FULLY_CONNECTED: the JS loops’ outputs', () => {
    const [wasm, js] = [
      createIntegerExecutor(fullyConnected(), tiled),
      createIntegerExecutor(fullyConnected(), { ...opts, wasm: false }),
    ];
    const x = new Tensor('int8', [7, 13], randomInt8(91, rng(8)));
    const y = Array.from(wasm.run({ x }).y!.data as Int8Array);
    expect(y).toEqual(Array.from(js.run({ x }).y!.data as Int8Array));
    expect(new Set(y).size).toBeGreaterThan(5);
  });
});

describe('WebAssembly memory of a plan', () => {
  it('holds a tile of im2col rows and accumulators, not a whole image’s', () => {
    // padded(2) at tiles of 1 KiB: the conv's A 256 rows x 72 taps (18 KiB) whole, 14 rows of 72 (1 KiB)
    // a tile; the depthwise conv's accumulators 256 x 8 int32 (8 KiB) whole, 32 rows a tile.
    const bytes = (tileBytes: number) =>
      createIntegerExecutor(padded(2), { scheme: 'pow2', tileBytes }).wasmBytes;
    expect(bytes(Infinity) - bytes(1024)).toBeGreaterThan(256 * 72 - 1024);
  });

  it('holds one padded image, one GEMM input and one accumulator block for all its kernels', () => {
    // Per conv: A, 256 rows of 72 taps (18 KiB), a padded 18x18x8 image (2.5 KiB); per depthwise conv:
    // its image and 256 x 8 int32 accumulators (8 KiB). Four pairs more add only their weights
    // (8 x 72 + 9 x 8 bytes) and per-channel tables.
    const bytes = (n: number) => createIntegerExecutor(padded(n), { scheme: 'pow2' }).wasmBytes;
    expect(bytes(2)).toBeGreaterThan(256 * 72);
    expect(bytes(6) - bytes(2)).toBeLessThan(4 * 2048);
  });
});
