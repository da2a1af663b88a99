import { describe, expect, it } from 'vitest';
import { int, ints, tensorAttr } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

/** x.view(x.size(0), -1) as PyTorch exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape. */
function flattenChain(batch: number | string) {
  const b = new GraphBuilder();
  const x = b.input('x', [batch, 4, 3, 2]);
  const shape = b.node('Shape', [x]);
  const n = b.node('Gather', [shape, b.init('zero', Tensor.int64([], [0]))], { axis: int(0) });
  const n1 = b.node('Unsqueeze', [n, b.init('axes', Tensor.int64([1], [0]))]);
  const minus1 = b.node('Constant', [], { value: tensorAttr(Tensor.int64([1], [-1])) });
  const target = b.node('Concat', [n1, minus1], { axis: int(0) });
  b.output(b.node('Reshape', [x, target]));
  return b.model(13);
}

describe('foldConstants', () => {
  it('folds a static shape chain down to a constant Reshape target', async () => {
    const { after, stats } = await runPass(foldConstants, flattenChain(2));
    expect(opCounts(after.graph)).toEqual({ Reshape: 1 });
    const target = after.graph.initializers.get(after.graph.nodes[0]!.inputs[1]!)!;
    expect(target.toNumbers()).toEqual([2, -1]);
    expect(stats).toMatchObject({ 'constant-to-initializer': 1, 'fold-shape': 1 });
    expect(stats['fold-constant']).toBe(3);
  });

  it('keeps the chain when the dim it reads is symbolic, but folds what is static', async () => {
    const { after } = await runPass(foldConstants, flattenChain('N'), { shapes: { x: [3, 4, 3, 2] } });
    expect(opCounts(after.graph)).toEqual({ Shape: 1, Gather: 1, Unsqueeze: 1, Concat: 1, Reshape: 1 });
    expect(after.graph.nodes.some((n) => n.opType === 'Constant')).toBe(false);
  });

  it('folds a Gather of a static dim out of a partly symbolic shape', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 6]);
    const c = b.node('Gather', [b.node('Shape', [x]), b.init('one', Tensor.int64([1], [1]))], {
      axis: int(0),
    });
    const t = b.node(
      'Concat',
      [b.init('m1', Tensor.int64([1], [-1])), c, b.init('one2', Tensor.int64([1], [1]))],
      { axis: int(0) },
    );
    b.output(b.node('Reshape', [x, t]));
    const { after, stats } = await runPass(foldConstants, b.model(), { shapes: { x: [2, 6] } });
    // The Shape node is left dead; removeDead takes it.
    expect(opCounts(after.graph)).toEqual({ Shape: 1, Reshape: 1 });
    expect(stats['fold-shape']).toBe(1);
  });

  it('folds elementwise math and casts on weights (opset 9 Slice attributes too)', async () => {
    const b = new GraphBuilder(4);
    const w = b.node('Sqrt', [b.weight('w', [3, 4], 0.1, 2)]);
    const s = b.node('Slice', [b.node('Transpose', [w], { perm: ints([1, 0]) })], {
      starts: ints([1]),
      ends: ints([3]),
      axes: ints([0]),
    });
    const c = b.node('Cast', [b.node('Cast', [s], { to: int(7) })], { to: int(1) });
    b.output(b.node('MatMul', [b.input('x', [2, 2]), c]));
    const { after } = await runPass(foldConstants, b.model(9));
    expect(opCounts(after.graph)).toEqual({ MatMul: 1 });
  });

  it('keeps nodes with runtime inputs, graph outputs and outputs that would blow up', async () => {
    const b = new GraphBuilder();
    const big = b.node('ConstantOfShape', [b.init('s', Tensor.int64([2], [512, 512]))]);
    b.output(b.node('Add', [b.input('x', [512, 512]), big]));
    b.output(b.node('Neg', [b.weight('v', [2])]));
    const { after, stats } = await runPass(foldConstants, b.model());
    expect(opCounts(after.graph)).toEqual({ ConstantOfShape: 1, Add: 1, Neg: 1 });
    expect(stats).toEqual({});
  });

  it('keeps unknown ops and other domains', () => {
    const b = new GraphBuilder();
    b.output(b.node('Relu', [b.node('Mystery', [b.weight('w', [2])])]));
    b.output(b.node('RELU', [b.weight('v', [2])], {}, 'tflite'));
    const { graph, stats } = foldConstants(b.g, { opset: 13, irVersion: 8 });
    expect(opCounts(graph)).toEqual({ Mystery: 1, Relu: 1, RELU: 1 });
    expect(stats).toEqual({});
  });
});
