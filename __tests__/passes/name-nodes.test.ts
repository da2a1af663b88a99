import { describe, expect, it } from 'vitest';
import { nameNodes } from '../../src/passes/name-nodes.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('nameNodes', () => {
  it("names each unnamed node after its first output, unique against the graph's other names", async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3]);
    const relu = b.node('Relu', [x]);
    const sig = b.node('Sigmoid', [relu]);
    const [mul] = b.nodeN('Mul', [relu, sig], 1);
    b.output(mul!);
    const g = b.g;
    g.nodes[0]!.name = ''; // Relu, output 'relu_0': takes that name
    g.nodes[1]!.name = 'relu_0_out'; // Sigmoid: named, and its name is the Mul's output's
    g.nodes[2]!.name = ''; // Mul, output 'relu_0_out': taken by the Sigmoid, so 'relu_0_out_2'
    g.nodes[2]!.outputs = ['relu_0_out'];
    g.outputs[0]!.name = 'relu_0_out';
    const { after, stats } = await runPass(nameNodes, b.model());
    expect(after.graph.nodes.map((n) => n.name)).toEqual(['relu_0', 'relu_0_out', 'relu_0_out_2']);
    expect(stats).toEqual({ 'name-node': 2 });
  });

  it('returns the same graph when every node has a name', () => {
    const b = new GraphBuilder();
    b.output(b.node('Relu', [b.input('x', [3])]));
    const r = nameNodes(b.g, { opset: 13, irVersion: 8 });
    expect(r.graph).toBe(b.g);
    expect(r.stats).toEqual({});
  });
});
