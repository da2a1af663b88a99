/**
 * --bias_correction chain (src/quant/bias-chain.ts): each Conv's bias moved by the mean shift of its own
 * weights and of the activation grids since the layers before it, those layers' outputs read from the
 * float model. Expected values worked out by hand in the comments; every graph runs in ONNX Runtime.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { measureChainShifts } from '../../src/quant/bias-chain.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runOrt } from '../helpers/ort-compare.js';

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

/**
 * x [1, 2, 2, 2] -> Conv 1x1 (W1 = identity, b1 = [0, 0.3]) -> y1 -> Conv 1x1 (W2 = [1/64, 1], b2 = 0) -> y
 * (bias-measured.test.ts's net): y1's channel 1 is the constant 0.3, which y1's grid rounds away.
 */
function constantChannelNet(): Model {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 2, 2, 2]);
  const w1 = b.init('w1', Tensor.float32([2, 2, 1, 1], [1, 0, 0, 1]));
  const y1 = b.node('Conv', [x, w1, b.init('b1', Tensor.float32([2], [0, 0.3]))]);
  const w2 = b.init('w2', Tensor.float32([1, 2, 1, 1], [1 / 64, 1]));
  b.output(b.node('Conv', [y1, w2, b.init('b2', Tensor.float32([1], [0]))]));
  return b.model(13);
}

const X0 = [
  [-64, 64, 10, -3],
  [5, -7, 64, -64],
  [0, 33, -20, 1],
];
const samples: SampleSource = {
  count: X0.length,
  kind: 'data',
  async *samples() {
    for (const v of X0) yield { x: Tensor.float32([1, 2, 2, 2], [...v, 0, 0, 0, 0]) };
  },
};

async function meanError(m: Model): Promise<number> {
  let sum = 0;
  for await (const feeds of samples.samples()) {
    const y = Object.values(await runOrt(m, feeds))[0]!.toFloat32();
    const x = feeds.x!.toFloat32();
    y.forEach((v, i) => (sum += v - (x[i]! / 64 + 0.3)));
  }
  return sum / (X0.length * 4);
}

const settings = (biasCorrection: QuantSettings['biasCorrection']): QuantSettings => ({
  scheme: 'pow2',
  biasMode: 'B16',
  perChannel: true,
  calibMethod: 'minmax',
  percentile: 100,
  exclude: [],
  inputScale: { kind: 'all', value: 1 },
  pow2Exponents: 'range',
  biasCorrection,
});

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
