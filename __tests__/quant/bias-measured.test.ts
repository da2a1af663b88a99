/**
 * --bias_correction measured (src/quant/bias-measured.ts): each Conv's bias moved by its output's mean
 * shift against the float model, the layers before it already moved. The model: a constant channel that
 * its activation grid rounds the same way on every pixel (PP-OCRv4 det's flat paper in small), which no
 * weight-only correction sees. Expected values are worked out by hand in the comments; every model runs
 * in ONNX Runtime.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { InvalidOptionError } from '../../src/errors.js';
import { parseOptions } from '../../src/options.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';
import {
  constantChannelNet,
  handSettings,
  constantChannelSamples as samples,
  meanError,
} from '../helpers/constant-channel.js';

const settings = handSettings;

/** The dequantized bias the second Conv reads in the QDQ graph. */
function secondBias(m: Model): number {
  const g = m.graph;
  const conv = g.nodes.filter((n) => n.opType === 'Conv')[1]!;
  const dq = g.nodes.find((n) => n.outputs[0] === conv.inputs[2])!;
  const q = g.initializers.get(dq.inputs[0]!)!.toFloat32()[0]!;
  return q * g.initializers.get(dq.inputs[1]!)!.toFloat32()[0]!;
}

describe('--bias_correction measured', () => {
  it('pow2 B16: the second Conv takes back the constant its input grid rounds away', async () => {
    const model = constantChannelNet();
    // y1 spans [-64, 64]: pow2 step 1 (127 * 2^-1 < 64), so its channel 1 (0.3, as b1 at the accumulator
    // step 2^-6: 19/64) rounds to 0 on every pixel. The weights' step is 2^-6 (max 1), exact for 1/64 and
    // 1; y spans [-0.7, 1.3]: step 2^-6. Without correction the output is x0 / 64: mean error -0.3.
    const off = await quantizeFloatModel(model, settings('pow2', false), samples);
    expect(await meanError(off.model)).toBeCloseTo(-0.3, 6);
    // Measured: the first Conv's channel 1 is 19/64 against 0.3 (-0.003, which moves b1 to 0.303: still
    // 19 steps); the second's output is x0 / 64 + 0 against x0 / 64 + 0.3: b2 = 0.3, at the accumulator
    // step 1 * 2^-6 19 steps, 19/64. The output x0 / 64 + 19/64 is on y's grid: mean error 19/64 - 0.3.
    const on = await quantizeFloatModel(model, settings('pow2', 'measured'), samples);
    expect(secondBias(on.model)).toBe(19 / 64);
    expect(await meanError(on.model)).toBeCloseTo(19 / 64 - 0.3, 6);
    // Two depths, one pass each, and a last run that measures.
    expect(on.biasCorrection!.passes).toBe(3);
    expect(on.biasCorrection!.corrected.map((c) => c.node)).toEqual(['conv_0', 'conv_1']);
    // The weight-only correction sees no weight error here (every weight is on its grid): nothing moves.
    const weights = await quantizeFloatModel(model, settings('pow2', true), samples);
    expect(await meanError(weights.model)).toBeCloseTo(-0.3, 6);
  });

  it('affine: the same constant, on the grid y1 gets from its range', async () => {
    const model = constantChannelNet();
    const off = await quantizeFloatModel(model, settings('affine', false), samples);
    const on = await quantizeFloatModel(model, settings('affine', 'measured'), samples);
    // y1 on [-64, 64]: step 128 / 255 = 0.502, zero point 0 (-64 / 0.502 = -127.5 lands on -128 with
    // zero point -0.5, rounded to 0 in either direction: real 0 is a grid point). 0.3 / 0.502 = 0.598
    // rounds to 1 step: channel 1 reads 0.502, 0.202 high on every pixel.
    const s = off.activations.get('conv_0')!.scale[0]!;
    expect(s).toBeCloseTo(128 / 255, 6);
    const before = await meanError(off.model);
    expect(before).toBeGreaterThan(0.15);
    // The second Conv moves its bias by the measured shift; what is left is the rounding of the bias and
    // of x0 / 64 on y's grid (step 2 / 255), not the constant.
    expect(Math.abs(await meanError(on.model))).toBeLessThan(0.1 * before);
    expect(secondBias(on.model)).toBeCloseTo(-(s - 0.3), 2);
  });

  it('undoes a depth whose moves take the outputs further from float', async () => {
    // x [1, 1, 1, 2] -> Conv 1x1 (w = 1, b = 0) -> Relu -> Conv 1x1 (w = 1, b = 0) -> y = relu(x), on
    // pixels x = -0.6 and 2. The input grid (input_scale 1: step 1) reads -0.6 as -1 and 2 as 2; after the
    // Relu both are exact, so the quantized y equals float: no error. The first Conv's output is off by
    // -0.4 and 0, mean -0.2: measured correction moves its bias by +0.2 (13 steps of 2^-6 at the
    // accumulator, w's step 2^-6 times x's 1), which reaches the Relu's output on the positive pixel only
    // (2.203 there, 2.1875 on its 2^-5 grid): the output is 0.19 off. The guard's next run sees that and
    // undoes it; the second Conv then reads an exact input and moves nothing.
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 1, 2]);
    const one = (name: string) => b.init(name, Tensor.float32([1, 1, 1, 1], [1]));
    const zero = (name: string) => b.init(name, Tensor.float32([1], [0]));
    const y1 = b.node('Relu', [b.node('Conv', [x, one('w1'), zero('b1')])]);
    b.output(b.node('Conv', [y1, one('w2'), zero('b2')]));
    const model = b.model(13);
    const pixels: SampleSource = {
      count: 2,
      kind: 'data',
      async *samples() {
        yield { x: Tensor.float32([1, 1, 1, 2], [-0.6, 2]) };
        yield { x: Tensor.float32([1, 1, 1, 2], [2, -0.6]) };
      },
    };
    const r = await quantizeFloatModel(model, settings('pow2', 'measured'), pixels);
    expect(r.biasCorrection!.undone).toBe(1);
    expect(r.biasCorrection!.corrected.map((c) => c.node)).not.toContain('conv_0');
    for await (const feeds of pixels.samples()) {
      const y = Object.values(await runOrt(r.model, feeds))[0]!.toFloat32();
      const relu = feeds.x!.toFloat32().map((v) => Math.max(v, 0));
      expect(Array.from(y)).toEqual(Array.from(relu));
    }
  });

  it('moves a bias by the mean error drawn towards 0 by its noise over the samples', async () => {
    // x [1, 1, 1, 1] -> Conv 1x1 (w = 1, b = 0) -> y = x. input_scale 1: x's grid step is 1, so x = ±0.4
    // reads 0 and y's error on a sample is -x. The weight's step is 2^-6 (127 * 2^-7 < 1), the bias's
    // 2^-6 too (x's step times w's), y's 2^-8 (its range within ±0.4 <= 127 * 2^-8).
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 1, 1]);
    const w = b.init('w', Tensor.float32([1, 1, 1, 1], [1]));
    b.output(b.node('Conv', [x, w, b.init('b', Tensor.float32([1], [0]))]));
    const model = b.model(13);
    const source = (xs: number[]): SampleSource => ({
      count: xs.length,
      kind: 'data',
      async *samples() {
        for (const v of xs) yield { x: Tensor.float32([1, 1, 1, 1], [v]) };
      },
    });
    const bias = (m: Model) => {
      const g = m.graph;
      const dq = g.nodes.find((n) => n.outputs[0] === g.nodes.find((c) => c.opType === 'Conv')!.inputs[2])!;
      return (
        g.initializers.get(dq.inputs[0]!)!.toFloat32()[0]! *
        g.initializers.get(dq.inputs[1]!)!.toFloat32()[0]!
      );
    };
    // Errors -0.4 on every sample: no noise, the whole mean moves: b = 0.4, 25.6 steps of 2^-6 -> 26/64.
    const steady = await quantizeFloatModel(model, settings('pow2', 'measured'), source([0.4, 0.4, 0.4]));
    expect(bias(steady.model)).toBe(26 / 64);
    // Errors -0.4, 0.4, -0.4: mean e = -2/15; deviations -4/15, 8/15, -4/15 give the variance of the
    // mean v = (96/225) / 2 / 3 = 16/225; e^2 = 4/225 keeps e^2 / (e^2 + v) = 1/5 of e: b moves by 2/75,
    // 1.71 steps -> 2/64 (the plain mean, 2/15, would have been 9 steps).
    const noisy = await quantizeFloatModel(model, settings('pow2', 'measured'), source([0.4, -0.4, 0.4]));
    expect(bias(noisy.model)).toBe(2 / 64);
  });

  it('settles nothing, without a session, when every biased layer stays float (mixed precision probes)', async () => {
    // Both Convs excluded: no layer has a quantized bias to move. This once ended in ONNX Runtime's
    // "'fetches' cannot be an empty array" under --max_drop.
    const s = { ...settings('pow2', 'measured'), exclude: ['Conv'] };
    const r = await quantizeFloatModel(constantChannelNet(), s, samples);
    expect(r.biasCorrection?.corrected ?? []).toEqual([]);
    // The model is float: its output is x0 / 64 + 0.3 to float32 precision.
    expect(await meanError(r.model)).toBeCloseTo(0, 6);
  });

  it('is a choice of --bias_correction beside true and false', () => {
    const parse = (v: string) => parseOptions({ input: 'm.onnx', bias_correction: v }).biasCorrection;
    expect(parse('measured')).toBe('measured');
    expect(parse('true')).toBe(true);
    expect(() => parse('maybe')).toThrow(InvalidOptionError);
  });
});
