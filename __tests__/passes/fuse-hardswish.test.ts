import { describe, expect, it } from 'vitest';
import { float } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fuseHardSwish } from '../../src/passes/fuse-hardswish.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { runPass } from '../helpers/passes.js';

function hardSigmoidForm(alpha: number, opset: number) {
  const b = new GraphBuilder();
  const x = b.node('Relu', [b.input('x', [2, 8])]);
  const hs = b.node('HardSigmoid', [x], { alpha: float(alpha), beta: float(0.5) });
  b.output(b.node('Mul', [hs, x]));
  return b.model(opset);
}

/** x * Clip(x + 3, 0, 6) / 6 as PaddlePaddle exports hardswish. */
function clipForm(opset: number) {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 8]);
  const k = (v: number) => b.init(`k${v}`, Tensor.float32([], [v]));
  const clip = b.node('Clip', [b.node('Add', [x, k(3)]), k(0), k(6)]);
  b.output(b.node('Div', [b.node('Mul', [x, clip]), k(6)]));
  return b.model(opset);
}

describe('fuseHardSwish', () => {
  it('fuses x * HardSigmoid(x) with alpha 1/6 at opset 14', async () => {
    const { after, stats } = await runPass(fuseHardSwish, hardSigmoidForm(0.1666667, 14), {
      shapes: { x: [2, 8] },
    });
    expect(opCounts(after.graph)).toEqual({ Relu: 1, HardSwish: 1 });
    expect(stats).toEqual({ 'fuse-hardswish': 1 });
  });

  it('fuses x * Clip(x + 3, 0, 6) / 6 at opset 14', async () => {
    const { after } = await runPass(fuseHardSwish, clipForm(14));
    expect(opCounts(after.graph)).toEqual({ HardSwish: 1 });
  });

  it('keeps other alphas and opsets before HardSwish existed', async () => {
    for (const m of [hardSigmoidForm(0.2, 14), hardSigmoidForm(1 / 6, 13), clipForm(11)]) {
      const { stats } = await runPass(fuseHardSwish, m);
      expect(stats).toEqual({});
    }
  });
});
