/**
 * pow2 --rounding floor with calibration data: the mean shifts of ops without a bias, measured by running
 * the device (every shift truncating) next to its rounding twin (conv/FC truncating as on the device, every
 * other shift rounded half up). Expected values are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { measureFloorShifts, type FloorFeeds } from '../../src/quant/tflite/floor-measured.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../src/runtime/integer/index.js';
import { TfliteGraphBuilder } from '../runtime/integer/builder.js';

const int8 = (dims: number[], values: number[]) => new Tensor('int8', dims, Int8Array.from(values));
type Built = ReturnType<TfliteGraphBuilder['outputs']>;
const run = (m: Built, opts: IntegerExecutorOptions, x: Tensor, out = 'y') =>
  Array.from(createIntegerExecutor(m, { scheme: 'pow2', ...opts }).run({ x })[out]!.data as Int8Array);
const biasOf = (m: Built) => Array.from(m.graph.initializers.get('b')!.data as Int32Array);
const feeds = (xs: Tensor[]) =>
  async function* (): AsyncIterable<FloorFeeds> {
    for (const x of xs) yield { x };
  };

/**
 * MEAN over 2x2 pixels of `channels` channels (x and m at 2^-3: floor(Σ / 4) on the device, Σ / 4 rounded
 * half up elsewhere) -> FC with weights w at 2^-4 (rows of `channels`), y at 2^-2: accumulator 2^-7, k = 5.
 */
function meanFc(channels: number, w: number[], b: number[]): Built {
  const g = new TfliteGraphBuilder();
  g.input('x', [1, 2, 2, channels], { scale: 2 ** -3 });
  g.int32('axes', [2], [1, 2]);
  g.value('m', [1, channels], { scale: 2 ** -3 });
  g.node('MEAN', ['x', 'axes'], ['m'], { keep_dims: 0 });
  const outs = w.length / channels;
  g.int8('w', [outs, channels], w, { scale: Array(outs).fill(2 ** -4) });
  g.int32('b', [outs], b, { scale: Array(outs).fill(2 ** -7) });
  g.value('y', [1, outs], { scale: 2 ** -2 });
  g.node('FULLY_CONNECTED', ['m', 'w', 'b'], ['y']);
  return g.outputs('y');
}

describe.each([true, false])('accumulatorRounding in the integer executor (wasm %s)', (wasm) => {
  it('rounds the FC rescale by its own rule and every other shift by `rounding`', () => {
    // Pixels per channel [1, 2, 3, 4], [0, 0, 0, 1], [5, 5, 5, 6]: sums 10, 1, 21; MEAN rounded half up
    // (10 / 4 = 2.5 -> 3, 0.25 -> 0, 5.25 -> 5), truncated [2, 0, 5].
    const model = meanFc(3, [40, 40, 40, -4, 6, 3], [10, -10]);
    const x = int8([1, 2, 2, 3], [1, 0, 5, 2, 0, 5, 3, 0, 5, 4, 1, 6]);
    // m = [3, 0, 5]: acc = [40 * 8, -12 + 15] = [320, 3]; the FC truncates:
    // floor((320 + 10) / 32) = 10, floor((3 - 10) / 32) = floor(-0.22) = -1.
    const twin = { wasm, biasMode: 'B16', rounding: 'nearest', accumulatorRounding: 'floor' } as const;
    expect(run(model, twin, x)).toEqual([10, -1]);
    // Both rounded: floor((330 + 16) / 32) = 10, floor((-7 + 16) / 32) = 0.
    expect(run(model, { wasm, biasMode: 'B16', rounding: 'nearest' }, x)).toEqual([10, 0]);
    // Both truncated: m = [2, 0, 5], acc = [280, 7]: floor(290 / 32) = 9, floor(-3 / 32) = -1.
    expect(run(model, { wasm, biasMode: 'B16', rounding: 'floor' }, x)).toEqual([9, -1]);
    // B8 (b8 2^5 = [32, -32]), twin: floor(320 / 32) + 1 = 11, floor(3 / 32) - 1 = -1.
    const b8 = meanFc(3, [40, 40, 40, -4, 6, 3], [32, -32]);
    expect(run(b8, { ...twin, biasMode: 'B8' }, x)).toEqual([11, -1]);
  });
});

describe('measured floor shifts', () => {
  // One channel: sample 1 pixels [1, 2, 3, 4] (device 10 / 4 -> 2, twin 3), sample 2 [0, 0, 0, 1] (both 0):
  // the device's MEAN is lower by 1/2 step on average. FC w = [[40], [-6]].
  const xs = [int8([1, 2, 2, 1], [1, 2, 3, 4]), int8([1, 2, 2, 1], [0, 0, 0, 1])];

  it('B16: each bias moves by -Σ w mu accumulator steps', async () => {
    const r = await measureFloorShifts(meanFc(1, [40, -6], [10, -10]), 'B16', feeds(xs));
    // mu = -1/2: [10 + 40 / 2, -10 - 6 / 2] = [30, -13]; one pass corrects, the next finds nothing open.
    expect(biasOf(r.model as Built)).toEqual([30, -13]);
    expect([r.corrected, r.passes]).toEqual([1, 2]);
    // Sample 1 on the device: m = 2, acc = [80, -12]: floor(110 / 32) = 3, floor(-25 / 32) = -1.
    expect(run(r.model as Built, { biasMode: 'B16', rounding: 'floor' }, xs[0]!)).toEqual([3, -1]);
  });

  it('B8: the move is rounded to whole output steps (b8 2^5)', async () => {
    const r = await measureFloorShifts(meanFc(1, [40, -6], [32, -32]), 'B8', feeds(xs));
    // (32 + 20) / 32 = 1.63 -> 2 -> 64; (-32 - 3) / 32 = -1.09 -> -1 -> -32.
    expect(biasOf(r.model as Built)).toEqual([64, -32]);
  });

  it('a channel whose mean differs alone counts as far as its noise allows (James-Stein)', async () => {
    // Three channels, one sample: differences d = [-1, 0, 0] (pixels as in the executor test), mean -1/3,
    // spread ((2/3)^2 + 2 (1/3)^2) / 2 = 1/3, noise 1 / (4 * 1) = 1/4: each channel keeps 1 - 3/4 = 1/4 of
    // its own deviation: mu = [-1/2, -1/4, -1/4]. Row [40, 40, 40]: +40 * (1/2 + 1/4 + 1/4) = +40;
    // row [-4, 6, 3]: -(2 - 1.5 - 0.75) = +0.25 -> 0.
    const x = int8([1, 2, 2, 3], [1, 0, 5, 2, 0, 5, 3, 0, 5, 4, 1, 6]);
    const r = await measureFloorShifts(meanFc(3, [40, 40, 40, -4, 6, 3], [10, -10]), 'B16', feeds([x]));
    expect(biasOf(r.model as Built)).toEqual([50, -10]);
  });

  it('a LOGISTIC head: the FC bias moves by the output error over the measured slope', async () => {
    // x = 8 at 2^-3, w = 8 at 2^-5: acc = 64 at 2^-8; y at 2^-2 (k = 6) with the floor offset 32 as bias:
    // floor(96 / 64) = 1, v = 0.25. LOGISTIC at 1/256, -128: 256 sigmoid(0.25) = 143.92, the device's 143
    // against the twin's 144: e = -1. One step up (bias 96): y = 2, 256 sigmoid(0.5) = 159.35 -> 159, a
    // response of 16. The bias moves by 1/16 of a step, 64 / 16 = 4: 36.
    const g = new TfliteGraphBuilder();
    g.input('x', [1, 1], { scale: 2 ** -3 });
    g.int8('w', [1, 1], [8], { scale: [2 ** -5] });
    g.int32('b', [1], [32], { scale: [2 ** -8] });
    g.value('y', [1, 1], { scale: 2 ** -2 });
    g.node('FULLY_CONNECTED', ['x', 'w', 'b'], ['y']);
    g.value('p', [1, 1], { scale: 1 / 256, zeroPoint: -128 });
    g.node('LOGISTIC', ['y'], ['p']);
    const r = await measureFloorShifts(g.outputs('p'), 'B16', feeds([int8([1, 1], [8])]));
    expect(biasOf(r.model as Built)).toEqual([36]);
    expect([r.corrected, r.passes]).toEqual([1, 2]);
  });
});
