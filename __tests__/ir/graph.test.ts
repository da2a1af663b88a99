import { describe, expect, it } from 'vitest';
import {
  Graph,
  indexGraph,
  outerReads,
  readNames,
  readsOf,
  topoSort,
  type Node,
} from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';

function node(name: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node {
  return { name, opType: name.replace(/\d+$/, ''), domain: '', inputs, outputs, attrs };
}

function graph(nodes: Node[], inputs: string[] = ['x'], outputs: string[] = []): Graph {
  const g = new Graph();
  g.name = 'g';
  g.nodes = nodes;
  g.inputs = inputs.map((name) => ({ name }));
  g.outputs = outputs.map((name) => ({ name }));
  return g;
}

const names = (nodes: Node[]) => nodes.map((n) => n.name);

describe('topoSort', () => {
  it('keeps a graph already in order exactly as it is', () => {
    const g = graph([node('A', ['x'], ['a']), node('B', ['x'], ['b']), node('C', ['a', 'b'], ['c'])]);
    expect(names(topoSort(g))).toEqual(['A', 'B', 'C']);
  });

  it('moves a node after its producers and otherwise keeps the file order (stable)', () => {
    const g = graph([
      node('D', ['c'], ['d']),
      node('A', ['x'], ['a']),
      node('E', ['x'], ['e']),
      node('C', ['a'], ['c']),
      node('B', ['x'], ['b']),
    ]);
    // D waits for C, which waits for A; the independent E and B keep their relative order.
    expect(names(topoSort(g))).toEqual(['A', 'E', 'C', 'D', 'B']);
  });

  it('picks the earliest ready node in file order, whatever order they became ready in', () => {
    const g = graph([node('Q', ['b'], ['q']), node('P', ['a'], ['p']), node('S', ['x'], ['a', 'b'])]);
    expect(names(topoSort(g))).toEqual(['S', 'Q', 'P']);
  });

  it('orders a node that reads two outputs of the same producer (Split then Concat)', () => {
    const g = graph([node('Concat', ['lo', 'hi', 'lo'], ['y']), node('Split', ['x'], ['lo', 'hi'])]);
    expect(names(topoSort(g))).toEqual(['Split', 'Concat']);
  });

  it('treats initializers, omitted optionals and outer-scope names as available', () => {
    const g = graph([node('Conv', ['x', 'w', ''], ['y']), node('Add', ['y', 'from_outer'], ['z'])]);
    g.initializers.set('w', Tensor.float32([1], [1]));
    expect(names(topoSort(g))).toEqual(['Conv', 'Add']);
  });

  it('waits for values a subgraph reads from the outer scope', () => {
    const body = graph([node('Use', ['late'], ['r'])], [], ['r']);
    const g = graph([
      node('If', ['x'], ['y'], { then_branch: { kind: 'graph', value: body } }),
      node('Late', ['x'], ['late']),
    ]);
    expect(names(topoSort(g))).toEqual(['Late', 'If']);
  });

  it('throws on a cycle, naming a node that is on it', () => {
    const g = graph([
      node('A', ['x'], ['a']),
      node('Down', ['c'], ['d']),
      node('B', ['a', 'c'], ['b']),
      node('C', ['b'], ['c']),
    ]);
    expect(() => topoSort(g)).toThrow(/graph 'g' has a cycle through node '(B|C)' \((B|C)\)/);
  });

  it('throws on a node reading its own output', () => {
    expect(() => topoSort(graph([node('Self', ['x', 's'], ['s'])]))).toThrow(/cycle through node 'Self'/);
  });
});

describe('indexGraph', () => {
  it('maps each value to its producer and its consumers, once per input slot', () => {
    const a = node('A', ['x'], ['a', 'a2']);
    const b = node('Mul', ['a', 'a'], ['b']);
    const c = node('C', ['a', 'b', ''], ['c']);
    const index = indexGraph(graph([a, b, c], ['x'], ['c']));
    expect(index.producer.get('a')).toBe(a);
    expect(index.producer.get('a2')).toBe(a);
    expect(index.producer.get('b')).toBe(b);
    expect(index.producer.has('x')).toBe(false);
    expect(index.consumers.get('a')).toEqual([b, b, c]);
    expect(index.consumers.get('x')).toEqual([a]);
    expect(index.consumers.has('a2')).toBe(false);
    expect(index.consumers.has('')).toBe(false);
    expect([...index.graphOutputs]).toEqual(['c']);
  });

  it('counts a node whose subgraph reads an outer value as a consumer of it, nested subgraphs too', () => {
    // Loop body: its own inputs, a value it makes, and two outer values (one read two levels down).
    const inner = graph([node('Add', ['i', 'w_outer'], ['t'])], ['i'], ['t']);
    const body = graph(
      [
        node('Mk', ['iter'], ['local']),
        node('If', ['local'], ['o'], { then_branch: { kind: 'graph', value: inner } }),
      ],
      ['iter', 'cond'],
      ['cond', 'o', 'bias_outer'],
    );
    const loop = node('Loop', ['n', ''], ['out'], { body: { kind: 'graph', value: body } });
    const w = node('W', ['x'], ['w_outer']);
    const bias = node('Bias', ['x'], ['bias_outer']);
    const index = indexGraph(graph([w, bias, loop], ['x', 'n'], ['out']));

    expect([...outerReads(inner)]).toEqual(['w_outer']);
    expect(new Set(outerReads(body))).toEqual(new Set(['w_outer', 'bias_outer']));
    expect(new Set(readsOf(loop))).toEqual(new Set(['n', 'w_outer', 'bias_outer']));
    expect(index.consumers.get('w_outer')).toEqual([loop]);
    expect(index.consumers.get('bias_outer')).toEqual([loop]);
    expect(index.consumers.has('local')).toBe(false);
    expect(index.consumers.has('iter')).toBe(false);
    expect(index.producer.has('local')).toBe(false);
  });

  it('sees outer reads in every branch of a graphs attribute', () => {
    const g1 = graph([node('U', ['p'], ['r'])], [], ['r']);
    const g2 = graph([], [], ['q']);
    const n = node('Multi', [], ['y'], { branches: { kind: 'graphs', value: [g1, g2] } });
    expect(new Set(readsOf(n))).toEqual(new Set(['p', 'q']));
  });
});

describe('readNames', () => {
  it('lists what node inputs, subgraphs (from the outer scope) and graph outputs read, nothing else', () => {
    // 'w_branch' is read only inside the If's branch: the name a pass dropping "unused" initializers
    // by node inputs alone would lose (the file ORT then refuses: "... is not output of any previous nodes").
    const branch = graph([node('Conv', ['x', 'w_branch'], ['c'])], [], ['c']);
    const g = graph(
      [
        node('Relu', ['x'], ['r']),
        node('If', ['r'], ['y'], { then_branch: { kind: 'graph', value: branch } }),
      ],
      ['x'],
      ['y', 'r'],
    );
    g.initializers.set('w_branch', Tensor.float32([1], [1]));
    g.initializers.set('unused', Tensor.float32([1], [1]));
    expect([...readNames(g)].sort()).toEqual(['r', 'w_branch', 'x', 'y']);
  });
});
