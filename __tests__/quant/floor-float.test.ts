/**
 * pow2 --rounding floor with --bias_correction measured (src/quant/tflite/floor-float.ts): the device (the
 * integer executor, every shift truncating) settled against the float model's pre-activation means, run
 * in ONNX Runtime, so that the move also holds the weights' and the bias's own rounding (which the
 * rounding twin of floor-measured.ts shares with the device and so never sees). Expected values are worked
 * out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { floatReference } from '../../src/pipeline/floor-reference.js';
import { measureFloatShifts } from '../../src/quant/tflite/floor-float.js';
import { measureFloorShifts, type FloorFeeds } from '../../src/quant/tflite/floor-measured.js';
import { createIntegerExecutor } from '../../src/runtime/integer/index.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';
import { TfliteGraphBuilder } from '../runtime/integer/builder.js';

type Built = ReturnType<TfliteGraphBuilder['outputs']>;
const biasOf = (m: Model) => Array.from(m.graph.initializers.get('b')!.data as Int32Array);
/** The device's one output on x. */
const device = (m: Model, x: Tensor) => {
  const ex = createIntegerExecutor(m, { scheme: 'pow2', rounding: 'floor', biasMode: 'B16' });
  return Array.from(Object.values(ex.run({ x }))[0]!.data as Int8Array);
};

/** Device and float feeds of the same inputs (the device's int8 at x's step 2^-3). */
function feeds(dims: number[], xs: number[][]) {
  return {
    device: async function* (): AsyncIterable<FloorFeeds> {
      for (const v of xs)
        yield {
          x: new Tensor(
            'int8',
            dims,
            Int8Array.from(v, (f) => f * 8),
          ),
        };
    },
    float: (floatDims: number[]) =>
      async function* () {
        for (const v of xs) yield { x: Tensor.float32(floatDims, v) };
      },
  };
}

/**
 * Float: y = x W^T + b, W = [[2.53], [-0.38]], b = [0.1, -0.05]. Device: x at 2^-3, W at 2^-4 ([40, -6]:
 * 2.5 and -0.375), y at 2^-2, so the accumulator step is 2^-7 and k = 5; the bias in accumulator steps
 * with the floor offset 2^4: round(0.1 * 128) + 16 = 29, round(-0.05 * 128) + 16 = 10.
 */
function fc(): { float: Model; device: Built } {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 1]);
  const w = b.init('W', Tensor.float32([2, 1], [2.53, -0.38]));
  const y = b.node('Gemm', [x, w, b.init('B', Tensor.float32([2], [0.1, -0.05]))], {
    transB: { kind: 'int', value: 1 },
  });
  b.output(y);
  const float = b.model(13);
  const t = new TfliteGraphBuilder();
  t.input('x', [1, 1], { scale: 2 ** -3 });
  t.int8('w', [2, 1], [40, -6], { scale: [2 ** -4, 2 ** -4] });
  t.int32('b', [2], [29, 10], { scale: [2 ** -7, 2 ** -7] });
  t.value(y, [1, 2], { scale: 2 ** -2 });
  t.node('FULLY_CONNECTED', ['x', 'w', 'b'], [y]);
  return { float, device: t.outputs(y) };
}

describe('floor biases settled against the float model', () => {
  it('FC: the move holds the weight and bias rounding the rounding twin cannot see', async () => {
    const { float, device: m } = fc();
    const x = feeds([1, 1], [[1]]);
    const ref = floatReference(float, x.float([1, 1]));
    // The float layer's output on x = 1, in ONNX Runtime: [2.63, -0.43] (336.64 and -55.04 steps of 2^-7).
    const out = Object.values(await runOrt(float, { x: Tensor.float32([1, 1], [1]) }))[0]!.toFloat32();
    expect(Array.from(out)).toEqual([Math.fround(2.63), Math.fround(-0.43)].map((v) => expect.closeTo(v, 6)));
    const r = await measureFloatShifts(m, 'B16', x.device, ref);
    // The device's mean before its floor, in accumulator steps: acc + b - 16 = 320 + 13 = 333 against
    // 336.64 (e = -3.64), and -48 - 6 = -54 against -55.04 (e = 1.04). New biases: 29 + 3.64 = 32.64 -> 33,
    // 10 - 1.04 = 8.96 -> 9. One pass settles the one depth, the next measures.
    expect(biasOf(r.model)).toEqual([33, 9]);
    expect([r.corrected, r.passes]).toEqual([1, 2]);
    // The device now gives float / step rounded: floor((320 + 33) / 32) = 11 (2.63 / 0.25 = 10.52) and
    // floor((-48 + 9) / 32) = -2 (-1.72); with the first bias it gave floor(349 / 32) = 10.
    const one = new Tensor('int8', [1, 1], Int8Array.from([8]));
    expect(device(r.model, one)).toEqual([11, -2]);
    expect(device(m, one)).toEqual([10, -2]);
    // Against the rounding twin nothing moves: the input is the model's own, no op before the FC shifts.
    expect(biasOf((await measureFloorShifts(m, 'B16', x.device)).model)).toEqual([29, 10]);
  });

  it('each channel keeps as much of its mean error as its noise over the samples allows', async () => {
    const { float, device: m } = fc();
    const x = feeds([1, 1], [[1], [0.25]]);
    const r = await measureFloatShifts(m, 'B16', x.device, floatReference(float, x.float([1, 1])));
    // Channel 0: errors -3.64 (x = 1, above) and 80 + 13 - 93.76 = -0.76 (x = 0.25: 2.53 / 4 + 0.1 = 0.7325);
    // mean e = -2.2, sample variance 2 * 1.44^2 = 4.1472, of the mean v = 2.0736: e (1 - v / e^2) =
    // -2.2 * (1 - 2.0736 / 4.84) = -1.2575, bias 29 + 1.2575 -> 30. Channel 1: 1.04 and -12 - 6 + 18.56 =
    // 0.56, e = 0.8, v = 2 * 0.24^2 / 2 = 0.0576: 0.8 * (1 - 0.09) = 0.728, bias 10 - 0.728 -> 9.
    expect(biasOf(r.model)).toEqual([30, 9]);
  });

  it('conv: taps in SAME padding read nothing, and a fused ReLU settles on the Conv before it', async () => {
    // Float: x [1, 1, 1, 2] = [1, 0.5], Conv 1x3 W = [0.5, 1.03, -0.26], b = 0.05, pads 1 left and right,
    // then Relu. Outputs: 1.03 - 0.13 + 0.05 = 0.95 and 0.5 + 0.515 + 0.05 = 1.065, mean 1.0075 (128.96
    // steps of 2^-7).
    const b = new GraphBuilder();
    const x = b.input('x', [1, 1, 1, 2]);
    const w = b.init('W', Tensor.float32([1, 1, 1, 3], [0.5, 1.03, -0.26]));
    const conv = b.node('Conv', [x, w, b.init('B', Tensor.float32([1], [0.05]))], {
      pads: { kind: 'ints', value: [0, 1, 0, 1] },
    });
    const y = b.node('Relu', [conv]);
    b.output(y);
    // Device: NHWC, W at 2^-4 = [8, 16, -4] (0.5, 1, -0.25), b = round(0.05 * 128) + 16 = 22, ReLU fused.
    const t = new TfliteGraphBuilder();
    t.input('x', [1, 1, 2, 1], { scale: 2 ** -3 });
    t.int8('w', [1, 1, 3, 1], [8, 16, -4], { scale: [2 ** -4] });
    t.int32('b', [1], [22], { scale: [2 ** -7] });
    t.value(y, [1, 1, 2, 1], { scale: 2 ** -2 });
    t.node('CONV_2D', ['x', 'w', 'b'], [y], {
      padding: 0,
      stride_h: 1,
      stride_w: 1,
      fused_activation_function: 1,
    });
    const data = feeds([1, 1, 2, 1], [[1, 0.5]]);
    const r = await measureFloatShifts(
      t.outputs(y),
      'B16',
      data.device,
      floatReference(b.model(13), data.float([1, 1, 1, 2])),
    );
    // x = [8, 4]: output 0 reads (pad, 8, 4): 16 * 8 - 4 * 4 = 112; output 1 reads (8, 4, pad): 64 + 64 = 128.
    // Mean 120 + 22 - 16 = 126 against 128.96: e = -2.96, bias 22 + 2.96 = 24.96 -> 25.
    expect(biasOf(r.model)).toEqual([25]);
  });

  it('is what --bias_correction measured asks of a floor run', () => {
    const s = parseOptions({ input: 'm.onnx', rounding: 'floor', bias_correction: 'measured' });
    expect([s.rounding, s.biasCorrection]).toEqual(['floor', 'measured']);
  });
});
