import { describe, expect, it } from 'vitest';
import { float } from '../../src/ir/attrs.js';
import { opsetVersion } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fuseHardSwish } from '../../src/passes/fuse-hardswish.js';
import { optimize } from '../../src/passes/optimize.js';
import { GraphBuilder, opCounts } from '../helpers/graphs.js';
import { realModel } from '../helpers/models.js';
import { compareOrt, randomFeeds } from '../helpers/ort-compare.js';
import { runPass } from '../helpers/passes.js';

/** HardSwish is exact arithmetic on the same float32 ops: ORT's outputs agree to 1e-5 of their range. */
const EXACT = 1e-5;

function hardSigmoidForm(alpha: number, opset: number) {
  const b = new GraphBuilder();
  const x = b.node('Relu', [b.input('x', [2, 8])]);
  const hs = b.node('HardSigmoid', [x], { alpha: float(alpha), beta: float(0.5) });
  b.output(b.node('Mul', [hs, x]));
  return b.model(opset);
}

type Divide = 'div-product' | 'mul-product' | 'div-clip' | 'mul-clip';

/** x * Clip(x + 3, 0, 6) / 6 as PaddlePaddle exports hardswish, and the other places of the / 6. */
function clipForm(opset: number, divide: Divide = 'div-product', addOrder: 'x3' | '3x' = 'x3') {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 8]);
  const k = (v: number) => b.init(`k${v}`, Tensor.float32([], [v]));
  const add = b.node('Add', addOrder === 'x3' ? [x, k(3)] : [k(3), x]);
  const clip = b.node('Clip', [add, k(0), k(6)]);
  if (divide === 'div-product') b.output(b.node('Div', [b.node('Mul', [x, clip]), k(6)]));
  if (divide === 'mul-product') b.output(b.node('Mul', [k(1 / 6), b.node('Mul', [clip, x])]));
  if (divide === 'div-clip') b.output(b.node('Mul', [x, b.node('Div', [clip, k(6)])]));
  if (divide === 'mul-clip') b.output(b.node('Mul', [b.node('Mul', [clip, k(1 / 6)]), x]));
  return b.model(opset);
}

/** Inputs across the kinks at -3 and 3. */
const wide = (m: ReturnType<typeof clipForm>) => {
  const f = randomFeeds(m, { x: [2, 8] });
  const x = f.x!.toFloat32();
  return {
    x: Tensor.float32(
      [2, 8],
      Array.from(x, (v) => v * 5),
    ),
  };
};

describe('fuseHardSwish', () => {
  it('fuses x * HardSigmoid(x) with alpha 1/6 at opset 14', async () => {
    const { after, stats, agreement } = await runPass(fuseHardSwish, hardSigmoidForm(0.1666667, 14), {
      shapes: { x: [2, 8] },
    });
    expect(opCounts(after.graph)).toEqual({ Relu: 1, HardSwish: 1 });
    expect(stats).toEqual({ 'fuse-hardswish': 1 });
    expect(agreement.worstRatio).toBeLessThanOrEqual(EXACT);
  });

  it.each<[Divide, 'x3' | '3x']>([
    ['div-product', 'x3'],
    ['div-product', '3x'],
    ['mul-product', 'x3'],
    ['div-clip', 'x3'],
    ['mul-clip', '3x'],
  ])('fuses x * Clip(x + 3, 0, 6) / 6 at opset 14 (%s, add %s)', async (divide, order) => {
    const m = clipForm(14, divide, order);
    const { after, stats, agreement } = await runPass(fuseHardSwish, m, { feeds: wide(m) });
    expect(opCounts(after.graph)).toEqual({ HardSwish: 1 });
    expect(stats).toEqual({ 'fuse-hardswish': 1 });
    expect(agreement.worstRatio).toBeLessThanOrEqual(EXACT);
  });

  it('keeps other alphas, other constants, and opsets before HardSwish existed', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 8]);
    const k = (v: number) => b.init(`k${v}`, Tensor.float32([], [v]));
    const clip = b.node('Clip', [b.node('Add', [x, k(3)]), k(0), k(6)]);
    b.output(b.node('Div', [b.node('Mul', [x, clip]), k(5)]));
    for (const m of [hardSigmoidForm(0.2, 14), hardSigmoidForm(1 / 6, 13), clipForm(11), b.model(14)]) {
      const { stats } = await runPass(fuseHardSwish, m);
      expect(stats).toEqual({});
    }
  });

  it('keeps a decomposition whose intermediate is read elsewhere', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 8]);
    const k = (v: number) => b.init(`k${v}`, Tensor.float32([], [v]));
    const clip = b.node('Clip', [b.node('Add', [x, k(3)]), k(0), k(6)]);
    b.output(b.node('Div', [b.node('Mul', [x, clip]), k(6)]));
    b.output(clip);
    const { stats } = await runPass(fuseHardSwish, b.model(14));
    expect(stats).toEqual({});
  });
});

describe('optimize: hard-swish in models before opset 14', () => {
  it('moves an opset-11 model with the decomposition to 14 and fuses it (Clip attributes at opset 9 too)', async () => {
    for (const opset of [9, 11]) {
      const b = new GraphBuilder();
      const x = b.input('x', [2, 8]);
      const k = (v: number) => b.init(`k${v}`, Tensor.float32([], [v]));
      const add = b.node('Add', [x, k(3)]);
      const clip =
        opset < 11
          ? b.node('Clip', [add], { min: float(0), max: float(6) })
          : b.node('Clip', [add, k(0), k(6)]);
      b.output(b.node('Div', [b.node('Mul', [x, clip]), k(6)]));
      const model = b.model(opset);
      const { model: after, report } = optimize(model);
      expect(opsetVersion(after)).toBe(14);
      expect(opCounts(after.graph)).toEqual({ HardSwish: 1 });
      expect(report.rules['fuse-hardswish']).toBe(1);
      expect(report.rules[`upgrade-opset-${opset}-to-14`]).toBe(1);
      const agreement = await compareOrt(model, after, wide(model));
      expect(agreement.worstRatio).toBeLessThanOrEqual(EXACT);
    }
  });

  it('leaves the opset of a model without it', () => {
    const b = new GraphBuilder();
    b.output(b.node('Relu', [b.input('x', [2, 8])]));
    const { model: after, report } = optimize(b.model(11));
    expect(opsetVersion(after)).toBe(11);
    expect(Object.keys(report.rules).some((r) => r.startsWith('upgrade-opset'))).toBe(false);
  });

  it.each([
    ['PaddleOCR cls', 9, 18],
    ['PaddleOCR det', 11, 24],
  ] as const)(
    '%s (opset %d): every hard-swish becomes HardSwish, outputs equal in ORT',
    async (name, opset, count) => {
      const real = realModel(name);
      const model = real.load();
      expect(opsetVersion(model)).toBe(opset);
      const { model: after, report } = optimize(model);
      expect(opsetVersion(after)).toBe(14);
      expect(report.rules['fuse-hardswish']).toBe(count);
      const ops = opCounts(after.graph);
      expect(ops.HardSwish).toBe(count);
      expect(ops.Div).toBeUndefined();
      expect(ops.Clip).toBeUndefined();
      const agreement = await compareOrt(model, after, real.feeds(model));
      console.log(
        `${name}: nodes ${report.nodesBefore} -> ${report.nodesAfter}; worst diff/range ${agreement.worstRatio.toExponential(2)}`,
      );
      expect(agreement.worstRatio, JSON.stringify(agreement.outputs)).toBeLessThanOrEqual(EXACT);
    },
  );
});
