import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { splitBatchNorm } from '../../src/passes/split-batchnorm.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('splitBatchNorm', () => {
  it('splits a BN before a padded Conv into a per-channel Mul and Add', async () => {
    const b = new GraphBuilder();
    const bn = b.node('BatchNormalization', [b.input('x', [2, 4, 6, 6]), ...b.bnParams('bn', 4)]);
    b.output(b.node('Conv', [bn, b.weight('w', [3, 4, 3, 3])], { pads: ints([1, 1, 1, 1]) }));
    const { after, stats } = await runPass(splitBatchNorm, b.model());
    expect(opCounts(after.graph)).toEqual({ Mul: 1, Add: 1, Conv: 1 });
    expect(stats).toEqual({ 'split-bn': 1 });
    const mul = after.graph.nodes.find((n) => n.opType === 'Mul')!;
    expect(after.graph.initializers.get(mul.inputs[1]!)!.dims).toEqual([4, 1, 1]);
  });

  it('splits BNs on 2-D and 3-D inputs, including one that is a graph output', async () => {
    for (const shape of [
      [5, 3],
      [2, 3, 7],
    ]) {
      const b = new GraphBuilder();
      b.output(b.node('BatchNormalization', [b.input('x', shape), ...b.bnParams('bn', 3)]));
      const { after } = await runPass(splitBatchNorm, b.model());
      expect(opCounts(after.graph)).toEqual({ Mul: 1, Add: 1 });
      expect(after.graph.outputs[0]!.name).toBe(b.g.outputs[0]!.name);
    }
  });

  it('leaves a BN of unknown rank, a training-mode BN, and opsets before broadcasting', () => {
    const b = new GraphBuilder();
    b.output(
      b.node('BatchNormalization', [b.node('Mystery', [b.input('x', [1, 3, 2, 2])]), ...b.bnParams('bn', 3)]),
    );
    expect(opCounts(splitBatchNorm(b.g, { opset: 13, irVersion: 8 }).graph).BatchNormalization).toBe(1);
    const c = new GraphBuilder();
    c.output(
      c.node('BatchNormalization', [c.input('x', [1, 3, 2, 2]), ...c.bnParams('bn', 3)], {
        training_mode: int(1),
      }),
    );
    expect(opCounts(splitBatchNorm(c.g, { opset: 15, irVersion: 8 }).graph).BatchNormalization).toBe(1);
    c.g.nodes[0]!.attrs = {};
    expect(opCounts(splitBatchNorm(c.g, { opset: 6, irVersion: 8 }).graph).BatchNormalization).toBe(1);
    expect(
      opCounts(splitBatchNorm(c.g, { opset: 7, irVersion: 8 }).graph).BatchNormalization,
    ).toBeUndefined();
  });
});
