import { describe, expect, it } from 'vitest';
import { fuseMatMulAddIntoGemm } from '../../src/passes/fuse-matmul-add.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

describe('fuseMatMulAddIntoGemm', () => {
  it('fuses a 2-D MatMul and a bias Add, bias on either side, [N] or [1, N]', async () => {
    for (const [dims, left, m] of [
      [[4], false, 'N'],
      [[1, 4], true, 'N'],
      [[3, 1], false, 3],
    ] as const) {
      const b = new GraphBuilder();
      const mm = b.node('MatMul', [b.input('x', [m, 5]), b.weight('w', [5, 4])]);
      const bias = b.weight('bias', [...dims]);
      b.output(b.node('Add', left ? [bias, mm] : [mm, bias]));
      const { after, stats } = await runPass(fuseMatMulAddIntoGemm, b.model(), { shapes: { x: [3, 5] } });
      expect(opCounts(after.graph)).toEqual({ Gemm: 1 });
      expect(stats).toEqual({ 'fuse-matmul-add-into-gemm': 1 });
    }
  });

  it('keeps a [M, 1] bias when M is symbolic (it could broadcast a 1-row result)', async () => {
    const b = new GraphBuilder();
    const mm = b.node('MatMul', [b.input('x', ['N', 5]), b.weight('w', [5, 4])]);
    b.output(b.node('Add', [mm, b.weight('bias', [3, 1])]));
    const { stats } = await runPass(fuseMatMulAddIntoGemm, b.model(), { shapes: { x: [3, 5] } });
    expect(stats).toEqual({});
  });

  it('keeps 3-D MatMuls, biases that would broadcast the result, and shared MatMul outputs', async () => {
    const make = [
      (b: GraphBuilder) =>
        b.output(
          b.node('Add', [
            b.node('MatMul', [b.input('x', [2, 3, 5]), b.weight('w', [5, 4])]),
            b.weight('c', [4]),
          ]),
        ),
      (b: GraphBuilder) =>
        b.output(
          b.node('Add', [
            b.node('MatMul', [b.input('x', [3, 5]), b.weight('w', [5, 4])]),
            b.weight('c', [2, 3, 4]),
          ]),
        ),
      (b: GraphBuilder) => {
        const mm = b.node('MatMul', [b.input('x', [3, 5]), b.weight('w', [5, 4])]);
        b.output(b.node('Add', [mm, b.weight('c', [4])]));
        b.output(b.node('Relu', [mm]));
      },
    ];
    for (const m of make) {
      const b = new GraphBuilder();
      m(b);
      const { stats } = await runPass(fuseMatMulAddIntoGemm, b.model());
      expect(stats).toEqual({});
    }
  });
});
