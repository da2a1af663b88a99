import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTfliteFile } from '../../src/formats/tflite/import.js';
import { ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { denseEarlyNodes } from '../../src/quant/dense-int16.js';
import { GraphBuilder } from '../helpers/graphs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-dense-int16-'));

/**
 * x[1,3,32,32] -> Conv s2 (16x16) -> Relu -> Conv s2 (8x8) -> Conv s2 (4x4) -> Resize x8 (32x32) ->
 * Conv 1x1 -> Sigmoid: a per-pixel map, an encoder down to 1/8 and a decoder back up (as PP-OCR det).
 * Names: conv_0, relu_1, conv_2, conv_3, resize_4, conv_5, sigmoid_6. `head: 'vector'` ends in
 * GlobalAveragePool -> Flatten instead (a classifier); `stride: 1` keeps every conv at full resolution.
 */
function model(opts: { head?: 'map' | 'vector'; stride?: number } = {}) {
  const b = new GraphBuilder(5);
  const s = opts.stride ?? 2;
  const conv = { pads: ints([1, 1, 1, 1]), strides: ints([s, s]) };
  const x = b.input('x', [1, 3, 32, 32]);
  const c0 = b.node('Conv', [x, b.weight('w0', [8, 3, 3, 3], -0.5, 0.5), b.weight('b0', [8])], conv);
  const r = b.node('Relu', [c0]);
  const c1 = b.node('Conv', [r, b.weight('w1', [8, 8, 3, 3], -0.3, 0.3), b.weight('b1', [8])], conv);
  const c2 = b.node('Conv', [c1, b.weight('w2', [8, 8, 3, 3], -0.3, 0.3), b.weight('b2', [8])], conv);
  const up = s ** 3;
  const scales = b.init('scales', Tensor.float32([4], [1, 1, up, up]));
  const u = b.node('Resize', [c2, '', scales], { mode: { kind: 'string', value: 'nearest' } });
  const c3 = b.node('Conv', [u, b.weight('w3', [1, 8, 1, 1], -0.3, 0.3), b.weight('b3', [1])]);
  if (opts.head === 'vector') b.output(b.node('Flatten', [b.node('GlobalAveragePool', [c3])]));
  else b.output(b.node('Sigmoid', [c3]));
  return b.model(13);
}

describe('--dense_int16: int16 activations for a per-pixel model early stages (affine)', () => {
  const shapes = new Map([['x', [1, 3, 32, 32]]]);

  it('names the nodes reached from the input at strides 2 and 4, not the coarser encoder or the decoder', () => {
    // By hand: conv_0 (16x16) and relu_1 at 1/2, conv_2 (8x8) at 1/4; conv_3 (4x4) is coarser; the
    // resized map and the head are at full size again but read the coarse conv_3.
    expect(denseEarlyNodes(model().graph, shapes)).toEqual(['conv_0', 'relu_1', 'conv_2']);
  });

  it('names nothing in a classifier (no per-pixel output) or a model at full resolution throughout', () => {
    expect(denseEarlyNodes(model({ head: 'vector' }).graph, shapes)).toEqual([]);
    expect(denseEarlyNodes(model({ stride: 1 }).graph, shapes)).toEqual([]);
  });

  it('writes those nodes int16 by default under affine; --dense_int16 false and pow2 keep them int8', async () => {
    const input = path.join(dir, 'dense.onnx');
    writeOnnxFile(model(), input);
    const flags = { input, scheme: 'affine', calib_samples: '4', formats: 'onnx,tflite' };
    const on = path.join(dir, 'on');
    const { report } = await quantizeModel(parseOptions({ ...flags, output: on }));
    expect(report.int16?.map((n) => n.node)).toEqual(['conv_0', 'relu_1', 'conv_2']);
    // .tflite: the two early convs read and write int16 (TFLite 16x8), the later ones int8.
    const t = readTfliteFile(path.join(on, 'dense_quant.tflite')).graph;
    const dtype = (v: string) => {
      const info = t.valueInfo.get(v) ?? [...t.inputs, ...t.outputs].find((i) => i.name === v);
      return info?.type?.kind === 'tensor' ? info.type.dtype : t.initializers.get(v)?.dtype;
    };
    const convs = t.nodes.filter((n) => n.opType === 'CONV_2D').map((n) => dtype(n.outputs[0]!));
    expect(convs).toEqual(['int16', 'int16', 'int8', 'int8']);
    const onnx = readOnnxFile(path.join(on, 'dense_quant.onnx'));
    expect(onnx.graph.nodes.some((n) => n.opType === 'QuantizeLinear' && n.domain === 'com.microsoft')).toBe(
      true,
    );

    const off = await quantizeModel(
      parseOptions({ ...flags, output: path.join(dir, 'off'), dense_int16: 'false' }),
    );
    expect(off.report.int16).toBeUndefined();
    const pow2 = await quantizeModel(
      parseOptions({ ...flags, scheme: 'pow2', output: path.join(dir, 'pow2') }),
    );
    expect(pow2.report.int16).toBeUndefined();
  });
});
