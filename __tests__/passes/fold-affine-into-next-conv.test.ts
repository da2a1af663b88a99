import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { foldAffineIntoNextConv } from '../../src/passes/fold-affine-into-next-conv.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

/**
 * x -> HardSwish -> Mul(a) -> Add(b) -> Conv (PP-LCNetV3's learnable affine block before a conv), with
 * the constants' shapes and the Conv's padding and grouping as knobs. runPass proves each rewrite in
 * ONNX Runtime (same outputs before and after).
 */
function lab(opts: { a: number[]; b?: number[]; pads: number[]; group?: number; mulFirst?: boolean }) {
  const b = new GraphBuilder();
  const h = b.node('HardSwish', [b.input('x', [2, 4, 6, 6])]);
  const shape = (v: number[]) => (v.length === 1 ? [1] : [1, v.length, 1, 1]);
  const a = b.init('a', Tensor.float32(shape(opts.a), opts.a));
  let y = b.node('Mul', opts.mulFirst ? [a, h] : [h, a]);
  if (opts.b) y = b.node('Add', [y, b.init('c', Tensor.float32(shape(opts.b), opts.b))]);
  const g = opts.group ?? 1;
  b.output(
    b.node('Conv', [y, b.weight('w', [6, 4 / g, 3, 3]), b.weight('bias', [6])], {
      group: int(g),
      pads: ints(opts.pads),
    }),
  );
  return b.model(14);
}

describe('foldAffineIntoNextConv', () => {
  it('folds Mul and Add into a Conv that pads nothing (scalar constants, as PP-LCNetV3 writes them)', async () => {
    const { after, stats } = await runPass(
      foldAffineIntoNextConv,
      lab({ a: [0.3], b: [-0.2], pads: [0, 0, 0, 0], mulFirst: true }),
    );
    expect(opCounts(after.graph)).toEqual({ HardSwish: 1, Conv: 1 });
    expect(stats).toEqual({ 'fold-affine-into-next-conv': 2 });
  });

  it('folds per-channel constants into a grouped Conv', async () => {
    const { after } = await runPass(
      foldAffineIntoNextConv,
      lab({ a: [0.5, -2, 1.5, 0.25], b: [0.1, 0.2, -0.3, 0.4], pads: [0, 0, 0, 0], group: 2 }),
    );
    expect(opCounts(after.graph)).toEqual({ HardSwish: 1, Conv: 1 });
  });

  it('into a padding Conv: folds the Mul and keeps the Add, moved before it as b / a', async () => {
    for (const consts of [
      { a: [0.4], b: [0.7] },
      { a: [0.5, -2, 1.5, 0.25], b: [0.1, 0.2, -0.3, 0.4] },
    ]) {
      const { after } = await runPass(
        foldAffineIntoNextConv,
        lab({ ...consts, pads: [1, 1, 1, 1], group: 2 }),
      );
      expect(opCounts(after.graph)).toEqual({ HardSwish: 1, Add: 1, Conv: 1 });
      const add = after.graph.nodes.find((n) => n.opType === 'Add')!;
      const c = after.graph.initializers.get(add.inputs[1]!)!.toFloat32();
      expect(c[0]).toBeCloseTo(consts.b[0]! / consts.a[0]!, 6);
    }
  });

  it('folds a lone Mul into a padding Conv', async () => {
    const { after } = await runPass(foldAffineIntoNextConv, lab({ a: [0.3], pads: [1, 1, 1, 1] }));
    expect(opCounts(after.graph)).toEqual({ HardSwish: 1, Conv: 1 });
  });

  it('leaves an Add before a padding Conv without a Mul, a zero scale, and a Mul read elsewhere', async () => {
    const cases = [
      lab({ a: [0], b: [0.5], pads: [1, 1, 1, 1] }),
      (() => {
        const b = new GraphBuilder();
        const y = b.node('Add', [b.input('x', [1, 4, 5, 5]), b.weight('c', [1, 4, 1, 1])]);
        b.output(b.node('Conv', [y, b.weight('w', [2, 4, 3, 3])], { pads: ints([1, 1, 1, 1]) }));
        return b.model();
      })(),
      (() => {
        const b = new GraphBuilder();
        const y = b.node('Mul', [b.input('x', [1, 4, 5, 5]), b.weight('c', [1])]);
        b.output(b.node('Conv', [y, b.weight('w', [2, 4, 1, 1])]));
        b.output(y);
        return b.model();
      })(),
    ];
    for (const model of cases) {
      const { stats } = await runPass(foldAffineIntoNextConv, model);
      expect(stats).toEqual({});
    }
  });
});
