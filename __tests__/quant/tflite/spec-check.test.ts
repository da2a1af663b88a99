import { beforeAll, describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import type { QParams } from '../../../src/ir/qparams.js';
import type { Model } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import { generatedSource, settings, smoothImage } from './helpers.js';
import { int8SpecViolations } from './spec-check.js';
import { tinyModel } from './tiny.js';

/** The checker must see what it is for: each broken rule in an otherwise valid file is reported. */
describe('int8SpecViolations', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    const source = generatedSource('x', [1, 8, 8, 3], 4, (s) => smoothImage(8, 8, 3, s));
    good = exportTflite((await quantizeTfliteModel(tinyModel(), settings(), source)).model);
  });

  const broken = (edit: (m: Model, q: (name: string) => QParams) => void): string[] => {
    const m = importTflite(good);
    const q = (name: string) => m.graph.quantOf(name)!;
    edit(m, q);
    return int8SpecViolations(exportTflite(m));
  };

  it('passes the quantizer output', () => expect(int8SpecViolations(good)).toEqual([]));

  it('reports a bias scale that is not s_in * s_w', () => {
    expect(broken((_, q) => (q('b1').scale[3] = q('b1').scale[3]! * 1.01))).toEqual([
      expect.stringMatching(/^CONV_2D -> c1: bias scale .* != s_in \* s_w at channel 3/),
    ]);
  });

  it('reports weights with a zero point, or scales on the wrong dimension', () => {
    expect(broken((_, q) => (q('w3').zeroPoint[0] = 1))).toEqual([
      'FULLY_CONNECTED -> f: weight zero points not 0',
    ]);
    expect(broken((_, q) => (q('w2').axis = 0))).toEqual([
      expect.stringMatching(/^DEPTHWISE_CONV_2D -> d1: 8 weight scales on dim 0/),
    ]);
  });

  it('reports float weights under an int8 op', () => {
    const out = broken((m) =>
      m.graph.initializers.set('w1', Tensor.float32([8, 3, 3, 3], new Float32Array(216))),
    );
    expect(out).toEqual(['CONV_2D -> c1: weights w1 are FLOAT32, not int8']);
  });

  it('reports wrong fixed output parameters and unequal tied parameters', () => {
    expect(broken((_, q) => (q('s').zeroPoint[0] = 0))).toEqual([
      'LOGISTIC -> s: output (0.00390625, 0), spec (0.00390625, -128)',
    ]);
    expect(broken((_, q) => (q('p').scale[0] = q('p').scale[0]! * 2))).toEqual([
      expect.stringMatching(/^MAX_POOL_2D -> p: cat .* differs from output/),
      expect.stringMatching(/^RESHAPE -> r: p .* differs from output/),
    ]);
  });
});
