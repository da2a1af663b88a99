/**
 * A two-conv net with a constant channel that its activation grid rounds the same way on every pixel
 * (PP-OCRv4 det's flat paper in small), for the bias corrections' tests (bias-measured, bias-chain):
 * x [1, 2, 2, 2] -> Conv 1x1 (W1 = identity, b1 = [0, 0.3]) -> y1 -> Conv 1x1 (W2 = [1/64, 1], b2 = 0) -> y.
 * x's channel 0 holds integers in [-64, 64], channel 1 zeros: y1's channel 1 is the constant 0.3 and y is
 * x0 / 64 + 0.3.
 */
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import type { QuantSettings } from '../../src/quant/quantize.js';
import { GraphBuilder } from './graphs.js';
import { runOrt } from './ort-compare.js';

export function constantChannelNet(): Model {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 2, 2, 2]);
  const w1 = b.init('w1', Tensor.float32([2, 2, 1, 1], [1, 0, 0, 1]));
  const y1 = b.node('Conv', [x, w1, b.init('b1', Tensor.float32([2], [0, 0.3]))]);
  const w2 = b.init('w2', Tensor.float32([1, 2, 1, 1], [1 / 64, 1]));
  b.output(b.node('Conv', [y1, w2, b.init('b2', Tensor.float32([1], [0]))]));
  return b.model(13);
}

/** Channel 0 of the three samples (channel 1 is zeros). */
const X0 = [
  [-64, 64, 10, -3],
  [5, -7, 64, -64],
  [0, 33, -20, 1],
];

export const constantChannelSamples: SampleSource = {
  count: X0.length,
  kind: 'data',
  async *samples() {
    for (const v of X0) yield { x: Tensor.float32([1, 2, 2, 2], [...v, 0, 0, 0, 0]) };
  },
};

/** Mean over the samples of the model's output minus the float x0 / 64 + 0.3, in ONNX Runtime. */
export async function meanError(m: Model): Promise<number> {
  let sum = 0;
  for await (const feeds of constantChannelSamples.samples()) {
    const y = Object.values(await runOrt(m, feeds))[0]!.toFloat32();
    const x = feeds.x!.toFloat32();
    y.forEach((v, i) => (sum += v - (x[i]! / 64 + 0.3)));
  }
  return sum / (X0.length * 4);
}

/** Settings whose grids the tests work out by hand: minmax ranges, input scale 1, exponents by range. */
export const handSettings = (
  scheme: 'pow2' | 'affine',
  biasCorrection: QuantSettings['biasCorrection'],
): QuantSettings => ({
  scheme,
  biasMode: 'B16',
  perChannel: true,
  calibMethod: 'minmax',
  percentile: 100,
  exclude: [],
  inputScale: { kind: 'all', value: 1 },
  pow2Exponents: 'range',
  biasCorrection,
});
