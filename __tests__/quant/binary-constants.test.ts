import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { syntheticSamples } from '../../src/quant/samples.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { realModel } from '../helpers/models.js';
import { runOrt } from '../helpers/ort-compare.js';
import { convertModel } from '../../src/convert/index.js';
import { agreement, outputSteps, runOnnx, runTflite, writeTfliteFile } from '../convert/helpers.js';

const settings: QuantSettings = {
  scheme: 'affine',
  biasMode: 'B16',
  perChannel: true,
  calibMethod: 'minmax',
  percentile: 100,
  exclude: [],
};

/**
 * Binary ops with a constant operand on either side: Mul(scale, x) and Add(x, bias), as PP-OCRv4 det's
 * learnable affine blocks after each hard-swish. Both constants become int8 weights behind a
 * DequantizeLinear; nothing stays float.
 */
describe('binary ops with a constant operand', () => {
  function affineBlock() {
    const b = new GraphBuilder();
    const x = b.node('Conv', [b.input('x', [1, 4, 6, 6]), b.weight('w', [4, 4, 1, 1])]);
    const scaled = b.node('Mul', [b.init('s', Tensor.float32([1], [0.476])), x]);
    b.output(b.node('Add', [scaled, b.init('b', Tensor.float32([1], [-0.3]))]));
    return b.model(14);
  }

  it('quantizes a constant on the left (Mul(c, x)) and on the right (Add(x, c)) as int8 weights', async () => {
    const model = affineBlock();
    const source = syntheticSamples(model.graph, 4, new Map([['x', [1, 4, 6, 6]]]), new Map());
    const q = await quantizeFloatModel(model, settings, source);
    expect(q.float).toEqual([]);
    const g = q.model.graph;
    for (const op of ['Mul', 'Add']) {
      const node = g.nodes.find((n) => n.opType === op)!;
      for (const input of node.inputs) {
        const dq = g.nodes.find((n) => n.outputs.includes(input));
        expect(dq?.opType, `${op} reads ${input}`).toBe('DequantizeLinear');
      }
      const k = op === 'Mul' ? 0 : 1;
      const dq = g.nodes.find((n) => n.outputs.includes(node.inputs[k]!))!;
      expect(g.initializers.get(dq.inputs[0]!)?.dtype).toBe('int8');
    }
    // The QDQ model runs and stays near the float model (one scalar weight step is 1/127 of it).
    const feeds = (await source.samples()[Symbol.asyncIterator]().next()).value;
    const [f, i8] = [await runOrt(model, feeds), await runOrt(q.model, feeds)];
    const [a, c] = [
      f[model.graph.outputs[0]!.name]!.toFloat32(),
      i8[model.graph.outputs[0]!.name]!.toFloat32(),
    ];
    const range = Math.max(...a) - Math.min(...a);
    for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - c[j]!)).toBeLessThan(0.05 * range);
    // TFLite: int8 MUL and ADD with the constants as int8 tensors, no float island; LiteRT agrees.
    const { model: tfl } = convertModel(q.model, {});
    const ops = tfl.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QUANTIZE' || o === 'DEQUANTIZE')).toEqual(['QUANTIZE', 'DEQUANTIZE']);
    expect(ops).toEqual(expect.arrayContaining(['MUL', 'ADD']));
    const bytes = writeTfliteFile(tfl, 'binary_constants');
    const ag = agreement(
      await runOnnx(q.model, [feeds]),
      await runTflite(bytes, tfl, [feeds]),
      outputSteps(q.model),
    );
    expect(ag.withinOneStep).toBe(1);
  });

  it('PaddleOCR det: after hard-swish fusion every op is quantized, no Mul or Add keeps a float constant', async () => {
    const { optimize } = await import('../../src/passes/optimize.js');
    const det = realModel('PaddleOCR det');
    const model = optimize(det.load()).model;
    const source = syntheticSamples(model.graph, 2, new Map([['x', [1, 3, 64, 64]]]), new Map());
    const q = await quantizeFloatModel(model, settings, source);
    expect(q.float.map((f) => f.op)).toEqual([]);
    const g = q.model.graph;
    const floatConstants = g.nodes
      .filter((n) => ['Mul', 'Add'].includes(n.opType))
      .flatMap((n) => n.inputs.filter((i) => g.initializers.get(i)?.dtype === 'float32'));
    expect(floatConstants).toEqual([]);
  });
});
