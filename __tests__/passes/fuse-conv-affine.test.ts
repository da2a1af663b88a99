import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { fuseConvAffine } from '../../src/passes/fuse-conv-affine.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

function conv(b: GraphBuilder, transpose = false): string {
  const x = b.input('x', [1, 4, 5, 5]);
  if (transpose)
    return b.node('ConvTranspose', [x, b.weight('w', [4, 3, 2, 2])], {
      group: int(2),
      strides: ints([2, 2]),
    });
  return b.node('Conv', [x, b.weight('w', [6, 2, 3, 3]), b.weight('b', [6])], {
    group: int(2),
    pads: ints([1, 1, 1, 1]),
  });
}

describe('fuseConvAffine', () => {
  it('folds per-channel and scalar Mul/Div/Add/Sub after a Conv', async () => {
    const b = new GraphBuilder();
    let y = conv(b);
    y = b.node('Mul', [b.weight('s', [1, 6, 1, 1]), y]);
    y = b.node('Add', [y, b.weight('t', [6, 1, 1])]);
    y = b.node('Div', [y, b.weight('d', [1], 0.5, 2)]);
    y = b.node('Sub', [y, b.weight('e', [])]);
    b.output(y);
    const { after, stats } = await runPass(fuseConvAffine, b.model());
    expect(opCounts(after.graph)).toEqual({ Conv: 1 });
    expect(stats).toEqual({ 'fold-mul-into-conv': 2, 'fold-add-into-conv-bias': 2 });
  });

  it('folds a bias Add into a grouped ConvTranspose (as in PP-OCRv4 det)', async () => {
    const b = new GraphBuilder();
    b.output(b.node('Add', [conv(b, true), b.weight('t', [1, 6, 1, 1])]));
    const { after } = await runPass(fuseConvAffine, b.model());
    expect(opCounts(after.graph)).toEqual({ ConvTranspose: 1 });
  });

  it('keeps constants that vary along other axes, divisors of the Conv, and shared Conv outputs', async () => {
    const cases: ((b: GraphBuilder, y: string) => void)[] = [
      (b, y) => b.output(b.node('Mul', [y, b.weight('s', [5, 1])])),
      (b, y) => b.output(b.node('Add', [y, b.weight('s', [1, 1, 1, 1, 1])])),
      (b, y) => b.output(b.node('Div', [b.weight('s', [1]), y])),
      (b, y) => b.output(b.node('Sub', [b.weight('s', [1]), y])),
      (b, y) => {
        b.output(b.node('Mul', [y, b.weight('s', [1])]));
        b.output(y);
      },
    ];
    for (const make of cases) {
      const b = new GraphBuilder();
      make(b, conv(b));
      const { stats } = await runPass(fuseConvAffine, b.model());
      expect(stats).toEqual({});
    }
  });
});
