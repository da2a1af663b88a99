/**
 * --bias_correction chain (src/quant/bias-chain.ts): each Conv's bias moved by the mean shift of its own
 * weights and of the activation grids since the layers before it, those layers' outputs read from the
 * float model. Expected values worked out by hand in the comments; every graph runs in ONNX Runtime.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { measureChainShifts } from '../../src/quant/bias-chain.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import {
  constantChannelNet,
  constantChannelSamples as samples,
  handSettings,
  meanError,
} from '../helpers/constant-channel.js';

const one = (x: number): SampleSource => ({
  count: 1,
  kind: 'data',
  async *samples() {
    yield { x: Tensor.float32([1, 1, 1, 1], [x]) };
  },
});

describe('measureChainShifts', () => {
  it("reads each layer's input from the float layers before it, through the QDQ graph's grids", async () => {
    // Float: x -> Conv A (w = 2) -> y -> Conv B (w = 1) -> z. The QDQ graph puts x on a grid of step 0.5
    // and y on one of 0.25. At x = 0.3: A reads 0.5 (0.3 / 0.5 = 0.6 steps round to 1),
    // so A's twin is 1.0 against 0.6: +0.4. B reads the float y = 0.6 on its grid: 2.4 steps round to 2,
    // 0.5 against 0.6: -0.1 (the whole QDQ graph would give B 1.0, +0.4: the chain stops at A).
    const f = new GraphBuilder();
    const x = f.input('x', [1, 1, 1, 1]);
    const wa = f.init('wa', Tensor.float32([1, 1, 1, 1], [2]));
    const wb = f.init('wb', Tensor.float32([1, 1, 1, 1], [1]));
    const y = f.node('Conv', [x, wa]);
    f.output(f.node('Conv', [y, wb]));
    const float = f.model(13);
    const g = float.graph.clone();
    const [a, b] = g.nodes;
    g.initializers.set('s_x', Tensor.float32([], [0.5]));
    g.initializers.set('s_y', Tensor.float32([], [0.25]));
    g.initializers.set('zp', new Tensor('int8', [], Int8Array.of(0)));
    const qdq = (v: string, s: string) => [
      {
        name: `${v}_q`,
        opType: 'QuantizeLinear',
        domain: '',
        inputs: [v, s, 'zp'],
        outputs: [`${v}_q`],
        attrs: {},
      },
      {
        name: `${v}_dq`,
        opType: 'DequantizeLinear',
        domain: '',
        inputs: [`${v}_q`, s, 'zp'],
        outputs: [`${v}_d`],
        attrs: {},
      },
    ];
    g.nodes = [
      ...qdq(x, 's_x'),
      { ...a!, inputs: [`${x}_d`, wa] },
      ...qdq(y, 's_y'),
      { ...b!, inputs: [`${y}_d`, wb] },
    ];
    const stats = await measureChainShifts(float, g, [y, b!.outputs[0]!], one(0.3));
    expect(stats.get(y)!.mean[0]).toBeCloseTo(0.4, 6);
    expect(stats.get(b!.outputs[0]!)!.mean[0]).toBeCloseTo(-0.1, 6);
  });
});

const settings = (biasCorrection: QuantSettings['biasCorrection']): QuantSettings =>
  handSettings('pow2', biasCorrection);

describe('--bias_correction chain', () => {
  it('the second Conv takes back the constant its input grid rounds away, in one run', async () => {
    // y1 spans [-64, 64]: pow2 step 1, so its channel 1 (0.3; b1 at the accumulator step 2^-6 is 19/64)
    // rounds to 0 on every pixel; the weights are on their grid (step 2^-6). The weight-only correction
    // sees nothing: mean error -0.3. Chain: the first Conv's twin reads 19/64 against 0.3 (-0.003 on
    // every sample: b1 0.303, still 19 steps); the second reads the float y1 on its grid, x0 / 64 + 0
    // against x0 / 64 + 0.3 on every sample: b2 = 0.3, 19/64 at the accumulator step 2^-6. The output
    // x0 / 64 + 19/64 is on y's grid (2^-6): mean error 19/64 - 0.3.
    const model = constantChannelNet();
    const weights = await quantizeFloatModel(model, settings(true), samples);
    expect(await meanError(weights.model)).toBeCloseTo(-0.3, 6);
    const chain = await quantizeFloatModel(model, settings('chain'), samples);
    expect(await meanError(chain.model)).toBeCloseTo(19 / 64 - 0.3, 6);
    expect(chain.biasCorrection!.corrected.map((c) => c.node)).toEqual(['conv_0', 'conv_1']);
  });

  it('is a value of --bias_correction', () => {
    expect(parseOptions({ input: 'm.onnx', bias_correction: 'chain' }).biasCorrection).toBe('chain');
  });
});
