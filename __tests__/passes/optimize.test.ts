import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import { readTfliteFile } from '../../src/formats/tflite/import.js';
import { float, int, ints, str, tensorAttr } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fusedActivationOf } from '../../src/passes/annotate-activations.js';
import { optimize } from '../../src/passes/optimize.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { realModel } from '../helpers/models.js';
import { compareOrt, randomFeeds } from '../helpers/ort-compare.js';
import { TOLERANCE } from '../helpers/passes.js';

/** Optimizes and proves the result in ONNX Runtime; returns the report and the figures. */
async function check(name: string, model: Model, feeds: Record<string, Tensor>) {
  const bytes = Buffer.from(exportOnnx(model).bytes);
  const { model: after, report } = optimize(model);
  expect(Buffer.from(exportOnnx(model).bytes).equals(bytes), 'optimize changed its input').toBe(true);
  const agreement = await compareOrt(model, after, feeds);
  console.log(
    `${name}: nodes ${report.nodesBefore} -> ${report.nodesAfter}; max |diff| ${agreement.maxDiff.toExponential(2)}, ` +
      `worst diff/range ${agreement.worstRatio.toExponential(2)}; ${JSON.stringify(report.rules)}`,
  );
  expect(agreement.worstRatio, JSON.stringify(agreement.outputs)).toBeLessThanOrEqual(TOLERANCE);
  expect(report.nodesAfter).toBe(after.graph.nodes.length);
  return { after, report };
}

describe('optimize on real models', () => {
  it('PaddleOCR cls (opset 9): all 35 BatchNormalizations folded or split', async () => {
    const cls = realModel('PaddleOCR cls');
    const model = cls.load();
    expect(opCounts(model.graph).BatchNormalization).toBe(35);
    const { after, report } = await check('cls', model, cls.feeds(model));
    expect(opCounts(after.graph).BatchNormalization).toBeUndefined();
    expect((report.rules['fold-bn-into-conv'] ?? 0) + (report.rules['split-bn'] ?? 0)).toBe(35);
    expect(report.nodesBefore).toBe(471);
    expect(report.nodesAfter).toBeLessThan(200);
  });

  it('PaddleOCR det (PP-OCRv4, opset 11): BN into Conv and ConvTranspose, scale/bias chains into Conv', async () => {
    const det = realModel('PaddleOCR det');
    const model = det.load();
    const { after, report } = await check('det', model, det.feeds(model));
    expect(opCounts(after.graph).BatchNormalization).toBeUndefined();
    expect(report.rules['fold-bn-into-convtranspose']).toBe(1);
    expect(report.rules['fold-mul-into-conv']).toBeGreaterThan(20);
  });

  it('examples/mobilenet_v1_bn.onnx: no BatchNormalization left, ReLU6 marked as fused', async () => {
    const mbv1 = realModel('mobilenet_v1_bn');
    const model = mbv1.load();
    const { after } = await check('mobilenet_v1_bn', model, mbv1.feeds(model));
    expect(opCounts(after.graph).BatchNormalization).toBeUndefined();
    const convs = after.graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs.every((n) => fusedActivationOf(n) === 'RELU6')).toBe(true);
  });

  it('examples/mmoe.onnx: several inputs and outputs, MatMul+Add become Gemm', async () => {
    const mmoe = realModel('mmoe');
    const model = mmoe.load();
    const { after } = await check('mmoe', model, mmoe.feeds(model));
    expect(opCounts(after.graph).MatMul).toBeUndefined();
    expect(after.graph.outputs.map((v) => v.name)).toEqual(['ctr', 'cvr']);
  });
});

describe('optimize on hand-built graphs', () => {
  function everything(): Model {
    const b = new GraphBuilder(5);
    const x = b.input('x', ['N', 3, 8, 8]);
    const pad = b.node('Pad', [x, b.init('pads', Tensor.int64([8], [0, 0, 1, 1, 0, 0, 1, 1]))]);
    const conv = b.node('Conv', [pad, b.weight('w1', [8, 3, 3, 3])]);
    const bn1 = b.node('BatchNormalization', [conv, ...b.bnParams('bn1', 8)]);
    const k = (n: string, v: number) => b.init(n, Tensor.float32([], [v]));
    const act = b.node('Clip', [b.node('Identity', [bn1]), k('lo', 0), k('hi', 6)]);
    // BN before a padded Conv: not exact to fold, so split.
    const bn2 = b.node('BatchNormalization', [act, ...b.bnParams('bn2', 8)]);
    const conv2 = b.node('Conv', [bn2, b.weight('w2', [4, 8, 3, 3])], {
      pads: ints([1, 1, 1, 1]),
      strides: ints([2, 2]),
    });
    const hs = b.node('HardSigmoid', [conv2], { alpha: float(1 / 6), beta: float(0.5) });
    const sw = b.node('Mul', [conv2, hs]);
    const drop = b.node('Dropout', [b.node('GlobalAveragePool', [sw])]);
    const n = b.node('Gather', [b.node('Shape', [drop]), b.init('zero', Tensor.int64([], [0]))], {
      axis: int(0),
    });
    const target = b.node(
      'Concat',
      [b.node('Unsqueeze', [n, b.init('ax', Tensor.int64([1], [0]))]), b.init('m1', Tensor.int64([1], [-1]))],
      { axis: int(0) },
    );
    const flat = b.node('Reshape', [drop, target]);
    const fc = b.node('Add', [b.node('MatMul', [flat, b.weight('fc', [4, 5])]), b.weight('fcb', [5])]);
    const bn3 = b.node('BatchNormalization', [fc, ...b.bnParams('bn3', 5)]);
    b.output(b.node('Softmax', [bn3], { axis: int(1) }));
    b.node('Constant', [], { value: tensorAttr(Tensor.float32([1], [1])) });
    return b.model(14);
  }

  it('runs every rule to a fixed point and keeps the numbers', async () => {
    const model = everything();
    const { after, report } = await check('hand-built', model, randomFeeds(model, { x: [2, 3, 8, 8] }));
    expect(opCounts(after.graph)).toEqual({
      Conv: 2,
      Clip: 1,
      // The split BN's Mul folds into the padded Conv after it; its Add stays, moved before (t / s).
      Add: 1,
      HardSwish: 1,
      GlobalAveragePool: 1,
      Shape: 1,
      Gather: 1,
      Unsqueeze: 1,
      Concat: 1,
      Reshape: 1,
      Gemm: 1,
      Softmax: 1,
    });
    expect(report.rules).toMatchObject({
      'fuse-pad-into-conv': 1,
      'fold-bn-into-conv': 1,
      'split-bn': 1,
      'fold-affine-into-next-conv': 1,
      'fold-bn-into-matmul': 1,
      'fuse-matmul-add-into-gemm': 1,
      'fuse-hardswish': 1,
      'remove-identity': 1,
      'remove-dropout': 1,
    });
    expect(fusedActivationOf(after.graph.nodes[0]!)).toBe('RELU6');
    // Shapes are known after optimizing: value_info holds them for the quantizer.
    expect(after.graph.valueInfo.get(after.graph.nodes[0]!.outputs[0]!)?.type).toMatchObject({
      shape: ['N', 8, 8, 8],
    });
  });

  it('is idempotent: a second run finds nothing to do', () => {
    const once = optimize(everything()).model;
    const twice = optimize(once);
    expect(twice.report.rules).toEqual({});
    expect(twice.report.nodesAfter).toBe(twice.report.nodesBefore);
  });

  it('leaves a TFLite-imported model as it is: same .tflite bytes after optimizing', () => {
    const file = new URL(
      '../../node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite',
      import.meta.url,
    );
    const model = readTfliteFile(file.pathname);
    const { model: after, report } = optimize(model);
    expect(report.rules).toEqual({});
    expect(Buffer.from(exportTflite(after)).equals(Buffer.from(exportTflite(model)))).toBe(true);
  });

  it('leaves TFLite-domain nodes alone and does not crash on unknown ops', () => {
    const b = new GraphBuilder();
    const c = b.node(
      'CONV_2D',
      [b.input('x', [1, 8, 8, 3]), b.weight('w', [4, 3, 3, 3])],
      { padding: str('SAME') },
      'tflite',
    );
    const m = b.node('Mystery', [b.node('Identity', [c])]);
    b.output(b.node('LOGISTIC', [m], {}, 'tflite'));
    const model: Model = { ...b.model(), format: 'tflite', opsetImports: [] };
    const { model: after, report } = optimize(model);
    expect(opCounts(after.graph)).toEqual({ CONV_2D: 1, Mystery: 1, LOGISTIC: 1 });
    expect(report.rules).toEqual({ 'remove-identity': 1 });
  });
});
