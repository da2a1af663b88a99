/**
 * TRANSPOSE_CONV's accumulators through the WebAssembly GEMM (gemmScatter in TRANSPOSE_CONV.ts) equal the
 * JS loop's (the plain path, `wasm: false`) integer for integer: overlapping taps (3x3, stride 2), border
 * pixels that receive fewer taps, a non-zero input zero point, channel counts off the GEMM's padding
 * (IC 13 -> 16, OC 5 -> 8) and a single output channel. A 2x2 filter at stride 2 with VALID padding tiles
 * the output (one tap per pixel): that path rescales the GEMM's sums per (tap, channel) before it moves
 * them (tiledGemm), with the zero point's correction before the shift and B8's bias after it; KW OC a
 * multiple of 4 (OC 2) moves them four bytes at a time. LiteRT
 * checks the same kernel in litert.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { randomInt8, rng, TfliteGraphBuilder } from './builder.js';

const [H, W, IC] = [5, 6, 13];

function transposeConv(OC: number, K: number, padding: number) {
  const random = rng(OC * 10 + K);
  const b = new TfliteGraphBuilder();
  const [OH, OW] = [H * 2, W * 2];
  b.input('x', [1, H, W, IC], { scale: 2 ** -3, zeroPoint: 7 });
  b.int32('shape', [4], [1, OH, OW, OC]);
  const scales = Array.from({ length: OC }, (_, i) => 2 ** -(4 + (i % 3)));
  b.int8('w', [OC, K, K, IC], randomInt8(OC * K * K * IC, random, -127), { scale: scales });
  const bias = Array.from({ length: OC }, (_, i) => (i - 2) * 37);
  b.int32('b', [OC], bias, { scale: scales.map((s) => s * 2 ** -3) });
  b.value('y', [1, OH, OW, OC], { scale: 2 ** -1, zeroPoint: -3 });
  b.node('TRANSPOSE_CONV', ['shape', 'w', 'x', 'b'], ['y'], { padding, stride_w: 2, stride_h: 2 });
  return b.outputs('y');
}

const x = new Tensor('int8', [1, H, W, IC], randomInt8(H * W * IC, rng(5)));
const run = (OC: number, K: number, padding: number, opts: IntegerExecutorOptions) =>
  Array.from(createIntegerExecutor(transposeConv(OC, K, padding), opts).run({ x }).y!.data as Int8Array);

const ARITHMETIC: IntegerExecutorOptions[] = [
  { scheme: 'pow2', rounding: 'floor' },
  { scheme: 'pow2', rounding: 'nearest' },
  { scheme: 'pow2', rounding: 'nearest', biasMode: 'B8' },
  { scheme: 'affine' },
  { scheme: 'affine', affineKernels: 'reference' },
];

describe.each(ARITHMETIC)('TRANSPOSE_CONV through the GEMM (%o)', (opts) => {
  it.each([
    [5, 3, 0],
    [1, 3, 0],
    [5, 2, 1],
    [1, 2, 1],
    [2, 2, 1],
  ])('OC %i, %ix%i filter, padding %i: the JS loop’s outputs', (OC, K, padding) => {
    const gemm = run(OC, K, padding, { ...opts, wasm: true });
    expect(gemm).toEqual(run(OC, K, padding, { ...opts, wasm: false }));
    // in tiles of a few rows (WasmArena.tileRows): tiledGemm whole input rows, gemmScatter a few
    // pixels (5 x 3 filter taps: 1 of 30), a last tile shorter
    expect(run(OC, K, padding, { ...opts, wasm: true, tileBytes: 200 })).toEqual(gemm);
    // not a constant map: the comparison sees the taps
    expect(new Set(gemm).size).toBeGreaterThan(10);
  });
});
