import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { removeNoOps } from '../../src/passes/remove-no-ops.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('removeNoOps', () => {
  it('removes Identity, Dropout and Reshape/Transpose/Cast/Pad/Concat that give back their input', async () => {
    const b = new GraphBuilder();
    let y = b.node('Relu', [b.input('x', ['N', 3, 4])]);
    y = b.node('Identity', [y]);
    y = b.node('Dropout', [y]);
    y = b.node('Reshape', [y, b.init('s', Tensor.int64([3], [0, 3, 4]))]);
    y = b.node('Transpose', [y], { perm: ints([0, 1, 2]) });
    y = b.node('Cast', [y], { to: int(1) });
    y = b.node('Pad', [y, b.init('p', Tensor.int64([6], [0, 0, 0, 0, 0, 0]))]);
    y = b.node('Concat', [y], { axis: int(1) });
    b.output(b.node('Sigmoid', [y]));
    const { after, stats } = await runPass(removeNoOps, b.model(), { shapes: { x: [2, 3, 4] } });
    expect(opCounts(after.graph)).toEqual({ Relu: 1, Sigmoid: 1 });
    expect(Object.keys(stats)).toHaveLength(7);
  });

  it('keeps the name of a graph output when removing the node that produced it', async () => {
    const b = new GraphBuilder();
    const out = b.node('Identity', [b.node('Relu', [b.input('x', [2, 3])])]);
    b.output(out);
    const { after } = await runPass(removeNoOps, b.model());
    expect(opCounts(after.graph)).toEqual({ Relu: 1 });
    expect(after.graph.nodes[0]!.outputs).toEqual([out]);
  });

  it('keeps reshapes that change the shape, real casts, a read Dropout mask, and input-to-output Identity', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3, 4]);
    b.output(b.node('Reshape', [x, b.init('s', Tensor.int64([2], [0, -1]))]));
    b.output(b.node('Transpose', [x], { perm: ints([0, 2, 1]) }));
    b.output(b.node('Cast', [x], { to: int(10) }), 'float16');
    const [, mask] = b.nodeN('Dropout', [x], 2);
    b.output(mask!, 'bool');
    b.output(b.node('Identity', [x]));
    const { stats } = await runPass(removeNoOps, b.model());
    expect(stats).toEqual({});
  });
});
