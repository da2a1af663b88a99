import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import type { Feeds, SampleSource } from '../../src/quant/calibrate.js';
import { channelErrors, pow2ChannelScalesByError, maxAbsPerChannel } from '../../src/quant/params.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';

const K = 21;

/**
 * Two weight channels of 21 values. Channel 0: one weight of 1.0 and twenty of 0.1. Its range gives
 * 2^-6 (1.0 * 2^6 = 64 <= 127 < 128); there 0.1 is 6.4 steps, rounded to 6: error 20 * (0.4/64)^2 =
 * 3.2/4096. At 2^-7 the 1.0 clips to 127/128 (error 1/16384) and 0.1 is 12.8 -> 13 steps (error
 * 20 * (0.2/128)^2 = 0.8/16384): 1.8/16384 in all, less. At 2^-8 the 1.0 clips to 127/256: (129/256)^2,
 * far more. Channel 1: 0.5, -0.25 and 0.125 (zeros after), exact on its range's grid 2^-7; a finer grid
 * clips the 0.5, so it keeps 2^-7.
 */
function weights(): Float32Array {
  const w = new Float32Array(2 * K);
  w[0] = 1;
  for (let i = 1; i < K; i++) w[i] = 0.1;
  w.set([0.5, -0.25, 0.125], K);
  return w;
}

describe('pow2 weight exponents by error', () => {
  it('takes, per channel, the grid of least squared error among the range one and two finer', () => {
    const w = weights();
    const scales = pow2ChannelScalesByError(w, [2, K], 0, maxAbsPerChannel(w, [2, K], 0));
    expect(Array.from(scales)).toEqual([2 ** -7, 2 ** -7]);
    const err = channelErrors(w, [2, K], Float64Array.of(2 ** -6, 2 ** -7), 0);
    // Hand values above, up to float32's rounding of 0.1 (relative 1.5e-8, error terms near 1e-4).
    expect(err[0]).toBeCloseTo(3.2 / 4096, 7);
    expect(err[1]).toBe(0);
    const finer = channelErrors(w, [2, K], Float64Array.of(2 ** -7, 2 ** -8), 0);
    expect(finer[0]).toBeCloseTo(1.8 / 16384, 7);
    expect(finer[1]).toBeCloseTo((0.5 - 127 / 256) ** 2, 12);
  });

  it("reaches the files: a MatMul's int8 weights in ONNX Runtime compute with the finer grid", async () => {
    // MatMul [1, K] x [K, 2]: weight channels are columns (output axis 1), so store the transpose.
    const w = weights();
    const wt = new Float32Array(2 * K);
    for (let c = 0; c < 2; c++) for (let i = 0; i < K; i++) wt[i * 2 + c] = w[c * K + i]!;
    const b = new GraphBuilder();
    b.output(b.node('MatMul', [b.input('x', [1, K]), b.init('w', Tensor.float32([K, 2], wt))]));
    const model = b.model(13);
    // x = 1/8 everywhere (input_scale 8: exact): channel 0 sums 1.0 + 20 * 0.1 = 3.0, over 1/8 = 0.375.
    const x = Tensor.float32([1, K], new Float32Array(K).fill(0.125));
    const source: SampleSource = {
      count: 1,
      kind: 'data',
      async *samples(): AsyncGenerator<Feeds> {
        yield { x };
      },
    };
    const base: QuantSettings = {
      scheme: 'pow2',
      biasMode: 'B16',
      perChannel: true,
      calibMethod: 'minmax',
      percentile: 100,
      exclude: [],
      inputScale: { kind: 'all', value: 8 },
    };
    const out = async (s: QuantSettings) => {
      const q = await quantizeFloatModel(model, s, source);
      return Array.from(Object.values(await runOrt(q.model, { x }))[0]!.toFloat32());
    };
    // Output grid: |y| <= 0.375 at input_scale 8 -> 2^-5 / 8 = 1/256 (127/256 >= 0.375 > 127/512).
    // By range channel 0 holds 64 + 20 * 6 = 184 steps of 2^-6 times 1/8: 184/512 = 92/256 (0.359, the
    // float 0.375 missed by 4 steps). By error: 127 + 20 * 13 = 387 steps of 2^-7 times 1/8 = 387/1024 =
    // 96.75/256, rounded to 97/256 (one step off). Channel 1: (64 - 32 + 16) / 128 / 8 = 12/256 in both.
    expect(await out({ ...base, pow2WeightExponents: 'range' })).toEqual([92 / 256, 12 / 256]);
    expect(await out({ ...base, pow2WeightExponents: 'error' })).toEqual([97 / 256, 12 / 256]);
    // A Mul's constant with channel 0's values (per tensor) keeps its range's 2^-6 under 'error': no sum
    // averages the clipped 1.0's error there.
    const m = new GraphBuilder();
    m.output(m.node('Mul', [m.input('x', [1, K]), m.init('c', Tensor.float32([1, K], w.slice(0, K)))]));
    const q = await quantizeFloatModel(m.model(13), { ...base, pow2WeightExponents: 'error' }, source);
    expect(Array.from(q.weights.get('c')!.scale)).toEqual([2 ** -6]);
  });
});
