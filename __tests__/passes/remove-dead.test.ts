import { describe, expect, it } from 'vitest';
import { removeDead } from '../../src/passes/remove-dead.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('removeDead', () => {
  it('removes nodes nothing needs, unused initializers and their value_info; keeps runtime inputs', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    b.input('unused', [1]);
    const dead = b.node('Mul', [b.node('Relu', [x]), b.weight('w', [3])]);
    b.g.valueInfo.set(dead, { name: dead });
    b.weight('orphan', [4]);
    b.output(b.node('Sigmoid', [x]));
    const { after, stats } = await runPass(removeDead, b.model(), { shapes: { unused: [1] } });
    expect(opCounts(after.graph)).toEqual({ Sigmoid: 1 });
    expect(stats).toEqual({ 'remove-dead-node': 2, 'remove-unused-initializer': 2 });
    expect(after.graph.initializers.size).toBe(0);
    expect(after.graph.valueInfo.size).toBe(0);
    expect(after.graph.inputs.map((v) => v.name)).toEqual(['x', 'unused']);
  });

  it('changes nothing in a graph where everything is used', async () => {
    const b = new GraphBuilder();
    b.output(b.node('Mul', [b.input('x', [3]), b.weight('w', [3])]));
    const { stats } = await runPass(removeDead, b.model());
    expect(stats).toEqual({});
  });
});
