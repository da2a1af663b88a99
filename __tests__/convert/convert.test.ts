import { describe, expect, it } from 'vitest';
import { convertModel, convertToTflite, supportedOps } from '../../src/convert/index.js';
import { InvalidOptionError, UnsupportedOpError } from '../../src/errors.js';
import type { TfliteModelExtra } from '../../src/formats/tflite/ir-extras.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { agreement, outputSteps, runOnnx, runTflite, writeTfliteFile } from './helpers.js';
import { int8SpecViolations } from './spec-check.js';

describe('convertToTflite', () => {
  it('names the node of an op with no TFLite mapping and lists the ops it maps', () => {
    const b = new GraphBuilder();
    b.output(b.node('Erf', [b.node('Relu', [b.input('x', [1, 4])])]));
    const err = (() => {
      try {
        convertToTflite(b.model());
      } catch (e) {
        return e;
      }
    })() as UnsupportedOpError;
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err.nodeName).toBe('erf_1');
    expect(err.message).toMatch(/node 'erf_1': operator Erf is not supported in ONNX to TFLite conversion/);
    expect(err.supported).toEqual(supportedOps());
    expect(err.supported).toEqual(expect.arrayContaining(['Conv', 'Gemm', 'Gather', 'Resize', 'Split']));
  });

  it('names the node whose output shape depends on the data (a Reshape to a runtime shape) instead of failing in the layout pass', () => {
    const b = new GraphBuilder();
    const y = b.node('Reshape', [
      b.node('Relu', [b.input('x', [1, 3, 4, 4])]),
      b.input('shape', [2], 'int64'),
    ]);
    b.output(b.node('Sigmoid', [y]));
    expect(() => convertToTflite(b.model())).toThrow(UnsupportedOpError);
    expect(() => convertToTflite(b.model())).toThrow(
      /node 'reshape_1': operator Reshape is not supported where the shape of 'reshape_1' depends on the input data/,
    );
  });

  it("keeps the ONNX inputs' and outputs' names in the SignatureDef LiteRT runs", async () => {
    const b = new GraphBuilder();
    const y = b.node('Relu', [b.input('image:0', [1, 4])]);
    b.output(b.node('Sigmoid', [y]));
    b.g.outputs[0]!.name = 'probs';
    b.g.nodes[1]!.outputs[0] = 'probs';
    const model = convertToTflite(b.model());
    const sig = (model.extra!.tflite as TfliteModelExtra).signatureDefs;
    expect(sig).toEqual([
      {
        signatureKey: 'serving_default',
        inputs: [{ name: 'image:0', value: 'image:0' }],
        outputs: [{ name: 'probs', value: 'probs' }],
      },
    ]);
    const out = await runTflite(writeTfliteFile(model, 'signature'), model, [
      { 'image:0': Tensor.float32([1, 4], [-1, 0, 1, 2]) },
    ]);
    expect(Array.from(out[0]!.probs!)).toEqual(
      [0.5, 0.5, 1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(-2))].map(Math.fround),
    );
  });

  it('fixes symbolic input dims: given by name, else batch 1; an unknown H/W, a wrong rank or a fixed dim changed is refused', () => {
    const b = new GraphBuilder();
    b.output(b.node('Relu', [b.input('x', ['N', 3, 'H', 'W'])]));
    const model = convertToTflite(b.model(), { inputShapes: new Map([['x', [2, 3, 5, 7]]]) });
    expect(model.graph.inputs[0]!.type).toMatchObject({ shape: [2, 3, 5, 7] });
    // No guess for H and W (a 1x1 model nobody has): the error names the input and the flag.
    expect(() => convertToTflite(b.model())).toThrow(
      /input 'x' has dynamic dims \[N, 3, H, W\].*--input_shape x=1x3xNxN/,
    );
    expect(() => convertToTflite(b.model(), { inputShapes: new Map([['x', [2, 3]]]) })).toThrow(
      InvalidOptionError,
    );
    expect(() => convertToTflite(b.model(), { inputShapes: new Map([['x', [1, 4, 5, 7]]]) })).toThrow(
      /input 'x' is fixed at Nx3xHxW; --input_shape gives 1x4x5x7/,
    );
    const batch = new GraphBuilder();
    batch.output(batch.node('Relu', [batch.input('x', ['N', 3, 5, 7])]));
    expect(convertToTflite(batch.model()).graph.inputs[0]!.type).toMatchObject({ shape: [1, 3, 5, 7] });
  });

  it('reads a foreign QDQ graph: uint8 activations become int8 (zero point - 128), weights stay int8', async () => {
    const b = new GraphBuilder(3);
    const c = (name: string, t: Tensor) => b.init(name, t);
    const [s, zp] = [
      c('s', Tensor.float32([], [0.02])),
      c('zp', new Tensor('uint8', [], Uint8Array.of(128))),
    ];
    const qx = b.node('DequantizeLinear', [
      b.node('QuantizeLinear', [b.input('x', [1, 2, 4, 4]), s, zp]),
      s,
      zp,
    ]);
    const w = new Tensor('int8', [3, 2, 1, 1], Int8Array.of(10, -20, 30, -40, 50, -60));
    const ws = c('ws', Tensor.float32([3], [0.01, 0.02, 0.03]));
    const dqw = b.node(
      'DequantizeLinear',
      [c('w', w), ws, c('wzp', new Tensor('int8', [3], new Int8Array(3)))],
      { axis: int(0) },
    );
    const y = b.node('Conv', [qx, dqw], { pads: ints([0, 0, 0, 0]) });
    const [so, zo] = [
      c('so', Tensor.float32([], [0.015])),
      c('zo', new Tensor('uint8', [], Uint8Array.of(100))),
    ];
    b.output(b.node('DequantizeLinear', [b.node('QuantizeLinear', [y, so, zo]), so, zo]));
    const qdq = b.model(13);
    const { model, report } = convertModel(qdq);
    expect(report.stats).toMatchObject({ 'weights-read-from-qdq': 1, 'activations-read-from-qdq': 2 });
    const bytes = writeTfliteFile(model, 'foreign_qdq');
    const back = importTflite(bytes);
    expect(int8SpecViolations(back)).toEqual([]);
    expect(back.graph.nodes.map((n) => n.opType)).toEqual([
      'QUANTIZE',
      'TRANSPOSE',
      'CONV_2D',
      'TRANSPOSE',
      'DEQUANTIZE',
    ]);
    const conv = back.graph.nodes[2]!;
    expect(back.graph.valueInfo.get(conv.inputs[0]!)?.quant?.zeroPoint).toEqual(Int32Array.of(0));
    expect(back.graph.initializers.get(conv.inputs[1]!)?.dtype).toBe('int8');
    const feeds = [
      {
        x: Tensor.float32(
          [1, 2, 4, 4],
          Array.from({ length: 32 }, (_, i) => Math.sin(i) * 2),
        ),
      },
    ];
    const a = agreement(await runOnnx(qdq, feeds), await runTflite(bytes, model, feeds), outputSteps(qdq));
    expect(a.worstSteps).toBeLessThanOrEqual(1);
  });
});
