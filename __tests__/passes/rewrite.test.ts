import { describe, expect, it } from 'vitest';
import type { Dim } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { rulePass, type Rule } from '../../src/passes/rewrite.js';
import { GraphBuilder } from '../helpers/graphs.js';

describe('rulePass', () => {
  it('gives every rule of a sweep the types inferred before its first rewrite, whenever it asks', () => {
    // x [2, 3] -> Unsqueeze(axes 0) -> u [1, 2, 3] -> Relu. The first rule turns the Unsqueeze into an
    // Identity (u becomes [2, 3]) without asking any type; the second, at the Relu after it, reads u's
    // shape: in the sweep of the rewrite still [1, 2, 3] (the sweep's types), in the next one [2, 3].
    const b = new GraphBuilder();
    const u = b.node('Unsqueeze', [b.input('x', [2, 3]), b.init('axes', Tensor.int64([1], [0]))]);
    b.output(b.node('Relu', [u]));
    const model = b.model();
    const toIdentity: Rule = {
      name: 'unsqueeze-to-identity',
      roots: ['Unsqueeze'],
      match: (node) => ({
        remove: [node],
        add: [{ ...node, opType: 'Identity', inputs: [node.inputs[0]!], attrs: {} }],
      }),
    };
    const seen: (Dim[] | undefined)[] = [];
    const reader: Rule = {
      name: 'reader',
      roots: ['Relu'],
      match: (node, cx) => {
        seen.push(cx.shape(node.inputs[0]!));
        return undefined;
      },
    };
    const { stats } = rulePass([toIdentity, reader])(model.graph, { opset: 13, irVersion: 8 });
    expect(stats).toEqual({ 'unsqueeze-to-identity': 1 });
    expect(seen).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
  });
});
