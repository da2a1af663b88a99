import { describe, expect, it } from 'vitest';
import { float } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { annotateActivations, fusedActivationOf } from '../../src/passes/annotate-activations.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('annotateActivations', () => {
  it('marks Relu and Clip(0, 6) (attributes or inputs) on the op before, changing no numbers', async () => {
    for (const opset of [9, 13]) {
      const b = new GraphBuilder();
      const x = b.input('x', [1, 3, 4, 4]);
      const conv = b.node('Conv', [x, b.weight('w', [4, 3, 1, 1])]);
      const relu6 =
        opset < 11
          ? b.node('Clip', [conv], { min: float(0), max: float(6) })
          : b.node('Clip', [
              conv,
              b.init('lo', Tensor.float32([], [0])),
              b.init('hi', Tensor.float32([], [6])),
            ]);
      const add = b.node('Add', [relu6, b.weight('c', [4, 1, 1])]);
      b.output(b.node('Relu', [add]));
      const { after, stats } = await runPass(annotateActivations, b.model(opset));
      const [convAfter, , addAfter] = after.graph.nodes;
      expect(fusedActivationOf(convAfter!)).toBe('RELU6');
      expect(fusedActivationOf(addAfter!)).toBe('RELU');
      expect(after.graph.nodes).toHaveLength(4);
      expect(stats).toEqual({ 'annotate-fused-activation': 2 });
    }
  });

  it('does not mark an op whose output has other readers, and drops a stale mark', async () => {
    const b = new GraphBuilder();
    const conv = b.node('Conv', [b.input('x', [1, 3, 4, 4]), b.weight('w', [4, 3, 1, 1])]);
    b.g.nodes[0]!.extra = { fusedActivation: 'RELU' };
    b.output(b.node('Relu', [conv]));
    b.output(conv);
    const { after } = await runPass(annotateActivations, b.model());
    expect(fusedActivationOf(after.graph.nodes[0]!)).toBeUndefined();
    expect(after.graph.nodes[0]!.extra).toBeUndefined();
  });
});
