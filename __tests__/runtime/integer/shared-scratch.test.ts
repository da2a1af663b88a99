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
