import { describe, expect, it } from 'vitest';
import { float, int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { foldBatchNorm } from '../../src/passes/fold-batchnorm.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

/** x -> Conv -> BN -> output, with knobs for the Conv. */
function convBn(opts: { group?: number; bias?: boolean; pads?: number[]; transpose?: boolean } = {}) {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 4, 6, 6]);
  const g = opts.group ?? 1;
  const op = opts.transpose ? 'ConvTranspose' : 'Conv';
  const w = opts.transpose ? b.weight('w', [4, 6 / g, 3, 3]) : b.weight('w', [6, 4 / g, 3, 3]);
  const inputs = [x, w, ...(opts.bias ? [b.weight('b', [6])] : [])];
  const conv = b.node(op, inputs, { group: int(g), pads: ints(opts.pads ?? [1, 1, 1, 1]) });
  const y = b.node('BatchNormalization', [conv, ...b.bnParams('bn', 6)], { epsilon: float(1e-3) });
  b.output(y);
  return b;
}

describe('foldBatchNorm: into the op before', () => {
  it('folds into a Conv with bias', async () => {
    const { after, stats } = await runPass(foldBatchNorm, convBn({ bias: true }).model());
    expect(opCounts(after.graph)).toEqual({ Conv: 1 });
    expect(stats).toEqual({ 'fold-bn-into-conv': 1 });
  });

  it('folds into a grouped Conv without bias', async () => {
    const { after } = await runPass(foldBatchNorm, convBn({ group: 2 }).model());
    expect(opCounts(after.graph)).toEqual({ Conv: 1 });
  });

  it('folds into a grouped ConvTranspose', async () => {
    const { after, stats } = await runPass(
      foldBatchNorm,
      convBn({ group: 2, transpose: true, pads: [0, 0, 0, 0] }).model(),
    );
    expect(opCounts(after.graph)).toEqual({ ConvTranspose: 1 });
    expect(stats).toEqual({ 'fold-bn-into-convtranspose': 1 });
  });

  it('folds into a Gemm (transB, alpha, beta, a full [M, N] C)', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [3, 5]);
    const gemm = b.node('Gemm', [x, b.weight('w', [4, 5]), b.weight('c', [3, 4])], {
      transB: int(1),
      alpha: float(0.7),
      beta: float(0.5),
    });
    b.output(b.node('BatchNormalization', [gemm, ...b.bnParams('bn', 4)]));
    const { after, stats } = await runPass(foldBatchNorm, b.model());
    expect(opCounts(after.graph)).toEqual({ Gemm: 1 });
    expect(stats).toEqual({ 'fold-bn-into-gemm': 1 });
  });

  it('folds into a MatMul with and without its bias Add', async () => {
    for (const withBias of [false, true]) {
      const b = new GraphBuilder();
      let y = b.node('MatMul', [b.input('x', [3, 5]), b.weight('w', [5, 4])]);
      if (withBias) y = b.node('Add', [b.weight('bias', [4]), y]);
      b.output(b.node('BatchNormalization', [y, ...b.bnParams('bn', 4)]));
      const { after, stats } = await runPass(foldBatchNorm, b.model());
      expect(opCounts(after.graph)).toEqual({ MatMul: 1, Add: 1 });
      expect(stats).toEqual({ 'fold-bn-into-matmul': 1 });
    }
  });

  it('keeps the BN when the Conv output has another reader or is a graph output', async () => {
    for (const variant of ['reader', 'output']) {
      const b = convBn();
      const conv = b.g.nodes[0]!.outputs[0]!;
      if (variant === 'reader') b.output(b.node('Relu', [conv]));
      else b.output(conv);
      const { after, stats } = await runPass(foldBatchNorm, b.model());
      expect(opCounts(after.graph).BatchNormalization).toBe(1);
      expect(stats).toEqual({});
    }
  });

  it('does not fuse Conv+Activation+BN (SEED v1.1)', async () => {
    const b = new GraphBuilder();
    const conv = b.node('Conv', [b.input('x', [1, 3, 5, 5]), b.weight('w', [4, 3, 1, 1])]);
    b.output(b.node('BatchNormalization', [b.node('Relu', [conv]), ...b.bnParams('bn', 4)]));
    const { after } = await runPass(foldBatchNorm, b.model());
    expect(opCounts(after.graph)).toEqual({ Conv: 1, Relu: 1, BatchNormalization: 1 });
  });

  it('does not fold into a MatMul whose output is not 2-D (channel axis 1 is not its last)', async () => {
    const b = new GraphBuilder();
    const mm = b.node('MatMul', [b.input('x', [2, 4, 4]), b.weight('w', [4, 4])]);
    b.output(b.node('BatchNormalization', [mm, ...b.bnParams('bn', 4)]));
    const { after } = await runPass(foldBatchNorm, b.model());
    expect(opCounts(after.graph).BatchNormalization).toBe(1);
  });

  it('leaves a training-mode BN and a BN after a TFLite-domain op alone', async () => {
    const b = new GraphBuilder();
    const t = b.node('CONV_2D', [b.input('x', [1, 4, 4, 3])], {}, 'tflite');
    b.output(b.node('BatchNormalization', [t, ...b.bnParams('bn', 3)]));
    const g = foldBatchNorm(b.g, { opset: 13, irVersion: 8 });
    expect(opCounts(g.graph)).toEqual({ CONV_2D: 1, BatchNormalization: 1 });
    const c = convBn();
    c.g.nodes[1]!.attrs.training_mode = int(1);
    expect(opCounts(foldBatchNorm(c.g, { opset: 15, irVersion: 8 }).graph).BatchNormalization).toBe(1);
  });
});

describe('foldBatchNorm: into the Conv after it', () => {
  function bnConv(pads: number[], zeroShift = false) {
    const b = new GraphBuilder();
    const params = b.bnParams('bn', 4);
    if (zeroShift) {
      b.init(params[1]!, Tensor.float32([4], [0, 0, 0, 0]));
      b.init(params[2]!, Tensor.float32([4], [0, 0, 0, 0]));
    }
    const bn = b.node('BatchNormalization', [b.input('x', [2, 4, 6, 6]), ...params]);
    b.output(
      b.node('Conv', [bn, b.weight('w', [6, 2, 3, 3]), b.weight('b', [6])], {
        group: int(2),
        pads: ints(pads),
      }),
    );
    return b.model();
  }

  it('folds when the Conv pads nothing', async () => {
    const { after, stats } = await runPass(foldBatchNorm, bnConv([0, 0, 0, 0]));
    expect(opCounts(after.graph)).toEqual({ Conv: 1 });
    expect(stats).toEqual({ 'fold-bn-into-next-conv': 1 });
  });

  it('folds into a padding Conv when the BN maps 0 to 0', async () => {
    const { after } = await runPass(foldBatchNorm, bnConv([1, 1, 1, 1], true));
    expect(opCounts(after.graph)).toEqual({ Conv: 1 });
  });

  it('does not fold into a padding Conv otherwise', async () => {
    const { after, stats } = await runPass(foldBatchNorm, bnConv([1, 1, 1, 1]));
    expect(opCounts(after.graph)).toEqual({ BatchNormalization: 1, Conv: 1 });
    expect(stats).toEqual({});
  });

  it('does not fuse BN+Activation+Conv (SEED v1.1)', async () => {
    const b = new GraphBuilder();
    const bn = b.node('BatchNormalization', [b.input('x', [1, 4, 5, 5]), ...b.bnParams('bn', 4)]);
    b.output(b.node('Conv', [b.node('Relu', [bn]), b.weight('w', [2, 4, 1, 1])]));
    const { after } = await runPass(foldBatchNorm, b.model());
    expect(opCounts(after.graph)).toEqual({ BatchNormalization: 1, Relu: 1, Conv: 1 });
  });
});
