/**
 * A tensor only HardSwish reads is quantized over the part of its range where HardSwish still responds
 * (src/quant/saturation.ts), and --exclude of a HardSwish keeps it float under
 * affine, where it is otherwise split into HardSigmoid and Mul. Each .onnx runs in ONNX Runtime and each
 * .tflite in LiteRT; expected values are the ops' definitions computed here.
 */
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { tfliteCandidate } from '../../src/eval/evaluate-tflite.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import { onnxGraph } from '../../src/pipeline/outputs.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder } from '../helpers/graphs.js';

const W = 64;
const DIMS = [1, 1, 1, W];

/**
 * x -> Conv 1x1 (one input channel, two output channels: weight 1, biases -90 and 0) -> HardSwish -> y.
 * Channel 0 sits far below -3, where HardSwish is 0; channel 1 over [-1, 1]: the conv output's calibrated
 * range is about [-91, 1], of which HardSwish responds to [-3, 1]. PP-OCRv4 det's conv outputs before
 * HardSwish are spread alike, channel by channel.
 */
function model() {
  const b = new GraphBuilder();
  b.input('x', DIMS);
  b.init('w', Tensor.float32([2, 1, 1, 1], [1, 1]));
  b.init('bias', Tensor.float32([2], [-90, 0]));
  const conv = b.node('Conv', ['x', 'w', 'bias']);
  b.g.nodes.push({ name: 'act', opType: 'HardSwish', domain: '', inputs: [conv], outputs: ['y'], attrs: {} });
  b.output('y');
  return b.model(14);
}

/** ONNX HardSwish by its definition. */
const hardSwish = (v: number) => v * Math.max(0, Math.min(1, v / 6 + 0.5));

/** x over [-1, 1]: the ramp itself calibrates (its ends are the range), then is what both files run. */
const ramp = Tensor.float32(
  DIMS,
  Array.from({ length: W }, (_, i) => -1 + (2 * i) / (W - 1)),
);
const source: SampleSource = {
  count: 1,
  kind: 'data',
  async *samples() {
    yield { x: ramp };
  },
};

const base: QuantSettings = {
  scheme: 'affine',
  biasMode: 'B16',
  perChannel: true,
  calibMethod: 'minmax',
  percentile: 100,
  exclude: [],
};

/** Largest |file output - definition| over the ramp, for the .onnx (ORT) and the .tflite (LiteRT). */
async function worstErrors(s: QuantSettings): Promise<number[]> {
  const q = await quantizeFloatModel(model(), s, source);
  const onnx = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
  const tflite = exportTflite(convertModel(q.model, { inputShapes: new Map([['x', DIMS]]) }).model);
  const ort = await createOrtSession(onnx, { graphOptimizationLevel: 'basic' });
  const litert = await tfliteCandidate(tflite, 'nchw');
  try {
    const outputs = [
      (await ort.run({ x: ramp })).y!.toFloat32(),
      Float32Array.from((await litert.run({ x: ramp })).y!.data),
    ];
    const x = ramp.toFloat32();
    // Channel 1 (the second W values) is the one that varies: conv output x, output op(x).
    return outputs.map((y) => Math.max(...Array.from(x, (v, i) => Math.abs(y[W + i]! - hardSwish(v)))));
  } finally {
    await ort.close();
    await litert.close();
  }
}

describe('the range of a tensor only HardSwish reads is cut at -3', () => {
  // Hand bounds: the conv output's grid over [-3, 1] (4 / 255 affine; pow2 symmetric, 2^k / 127 >= 3:
  // 4 / 127), half a step of it times HardSwish's largest slope on [-1, 1] (5/6), plus half a step of the
  // input grid (2 / 255 or 1 / 127) through the same slope, plus half an output step and the 1/255
  // hardsigmoid rounding. Over the whole calibrated range [-91, 1] the conv output's step alone is 0.36
  // (affine) or 1 (pow2).
  // Affine only (pow2 keeps its ranges: see quantize.ts).
  it.each([['affine', 0.03]] as const)(
    '%s: both files within %s of HardSwish on the responding channel',
    async (scheme, bound) => {
      const [onnx, tflite] = await worstErrors({ ...base, scheme });
      expect(onnx).toBeLessThanOrEqual(bound);
      expect(tflite).toBeLessThanOrEqual(bound);
    },
  );
});

describe('--exclude of a HardSwish under affine', () => {
  it.each(['act', 'HardSwish'])(
    '--exclude %s: the HardSwish stays one float op, exact in ORT',
    async (name) => {
      const b = new GraphBuilder();
      b.input('x', DIMS);
      b.g.nodes.push({
        name: 'act',
        opType: 'HardSwish',
        domain: '',
        inputs: ['x'],
        outputs: ['y'],
        attrs: {},
      });
      b.output('y');
      const q = await quantizeFloatModel(b.model(14), { ...base, exclude: [name] }, source);
      const g = onnxGraph(q.model, { onnxFormat: 'qdq' });
      expect(g.nodes.map((n) => n.opType)).toEqual(['HardSwish']);
      const ort = await createOrtSession(exportOnnx({ ...q.model, graph: g }).bytes);
      try {
        const y = (await ort.run({ x: ramp })).y!.toFloat32();
        const x = ramp.toFloat32();
        for (let i = 0; i < W; i++) expect(y[i]).toBeCloseTo(hardSwish(x[i]!), 6);
      } finally {
        await ort.close();
      }
    },
  );
});
