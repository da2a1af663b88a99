import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { parseOptions } from '../../src/options.js';
import { precisionTargetOf, withMovers } from '../../src/pipeline/precision-stage.js';
import {
  compareScores,
  dropOf,
  meets,
  SCORED,
  scoreOf,
  targetMetric,
  worstSamples,
} from '../../src/pipeline/precision-target.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder } from '../helpers/graphs.js';

const parse = (extra: Record<string, string>) => parseOptions({ input: 'm.onnx', ...extra });

describe('--max_drop and --min_sqnr', () => {
  it('parse to a target; without either there is none (nothing changes)', () => {
    expect(precisionTargetOf(parse({}))).toBeUndefined();
    expect(parse({ max_drop: '0.5' })).toMatchObject({ maxDrop: 0.5 });
    expect(parse({ min_sqnr: '-3' })).toMatchObject({ minSqnr: -3 });
    // Both at once: both must hold.
    expect(precisionTargetOf(parse({ max_drop: '1', min_sqnr: '20' }))).toEqual({ maxDrop: 1, minSqnr: 20 });
  });

  it.each([
    [{ max_drop: '-1' }, /--max_drop: '-1' is not valid; give a number >= 0/],
    [{ max_drop: 'x' }, /--max_drop: 'x' is not valid/],
    [{ max_drop: '101' }, /--max_drop: '101' is not valid; give points in \[0, 100\]/],
    [{ min_sqnr: 'inf' }, /--min_sqnr: 'inf' is not valid; give a number of dB/],
    [{ min_sqnr: ' ' }, /--min_sqnr: ' ' is not valid/],
    [
      { max_drop: '1', scheme: 'none' },
      /--max_drop: keeps quantized ops in float; --scheme none quantizes nothing/,
    ],
    [{ min_sqnr: '30', scheme: 'none' }, /--min_sqnr: keeps quantized ops in float/],
  ])('refuses %o', (flags, message) => {
    expect(() => parse(flags)).toThrow(InvalidOptionError);
    expect(() => parse(flags)).toThrow(message);
  });
});

describe('the target', () => {
  it('reads the drop from labelled accuracy when there is one, else from top-1 agreement', () => {
    expect(dropOf({ sqnrDb: 10, agreement: 0.9, top1Float: 0.8, top1Quant: 0.75 })).toBeCloseTo(5, 12);
    expect(dropOf({ sqnrDb: 10, agreement: 0.996 })).toBeCloseTo(0.4, 12);
    expect(dropOf({ sqnrDb: 10 })).toBeUndefined();
  });

  it('reads a sequence output by its decoded text, and the worst output of several', () => {
    const m = (top1Agreement: number, characterAgreement?: number) => ({
      sqnrDb: 20,
      cosine: 1,
      maxAbsError: 0,
      meanAbsError: 0,
      top1Agreement,
      ...(characterAgreement === undefined ? {} : { characterAgreement }),
    });
    const score = (metrics: Record<string, ReturnType<typeof m>>) =>
      scoreOf({ metrics: { [SCORED]: metrics }, referenceRms: {} });
    // Per position 96%, decoded 99.8%: 0.2 points, which --max_drop 0.5 accepts.
    const seq = score({ ctc: m(0.96, 0.998) });
    expect(seq).toMatchObject({ agreement: 0.998, decoded: true });
    expect(dropOf(seq)).toBeCloseTo(0.2, 12);
    expect(meets({ maxDrop: 0.5 }, seq)).toBe(true);
    // A class-score output that agrees less decides, read per row.
    const both = score({ ctc: m(0.96, 0.998), cls: m(0.99) });
    expect(both.agreement).toBe(0.99);
    expect(both.decoded).toBeUndefined();
    expect(targetMetric({ maxDrop: 0.5 }, false, true)).toBe(
      "character agreement with float (greedy CTC decoding, blank 0) at least 99.50% (the drop's 95% upper confidence bound on the evaluation samples)",
    );
    expect(targetMetric({ maxDrop: 0.5 }, false)).toBe(
      "top-1 agreement with float at least 99.50% (the drop's 95% upper confidence bound on the evaluation samples)",
    );
  });

  it('holds when every limit given holds', () => {
    const s = { sqnrDb: 25, agreement: 0.995 };
    expect(meets({ maxDrop: 0.5 }, s)).toBe(true);
    expect(meets({ maxDrop: 0.4 }, s)).toBe(false);
    expect(meets({ minSqnr: 25 }, s)).toBe(true);
    expect(meets({ maxDrop: 0.5, minSqnr: 26 }, s)).toBe(false);
    // A model without class scores never meets a drop limit.
    expect(meets({ maxDrop: 100 }, { sqnrDb: 99 })).toBe(false);
  });

  it("reads the drop's upper confidence bound where the search measured one (the stop rule)", () => {
    // 0.2 points measured, but the bound says the drop on other samples may reach 0.7: not met.
    const s = { sqnrDb: 25, agreement: 0.998 };
    expect(meets({ maxDrop: 0.5 }, s)).toBe(true);
    expect(meets({ maxDrop: 0.5 }, { ...s, bound: 0.7 })).toBe(false);
    expect(meets({ maxDrop: 0.5 }, { ...s, bound: 0.45 })).toBe(true);
    // --min_sqnr alone does not read it.
    expect(meets({ minSqnr: 20 }, { ...s, bound: 50 })).toBe(true);
  });

  it('orders by the limited drop first, then by SQNR', () => {
    const t = { maxDrop: 1 };
    const a = { sqnrDb: 10, agreement: 0.99 };
    const b = { sqnrDb: 30, agreement: 0.98 };
    expect(compareScores(t, a, b)).toBeLessThan(0);
    expect(compareScores({ minSqnr: 1 }, a, b)).toBeGreaterThan(0);
    expect(compareScores(t, a, { ...a, sqnrDb: 11 })).toBeGreaterThan(0);
  });

  it('ranks on the samples the quantized model serves worst, in sample order', () => {
    const per = [0.99, 0.5, 1, 0.7, 0.9].map((agreement, i) => ({ sqnrDb: 20 - i, agreement }));
    expect(worstSamples({ maxDrop: 1 }, per, 2)).toEqual([1, 3]);
    // By SQNR alone: samples 4 and 3 have the lowest.
    expect(worstSamples({ minSqnr: 30 }, per, 2)).toEqual([3, 4]);
  });
});

describe('ops that only move values follow their neighbours', () => {
  // a (Conv) -> Reshape -> Transpose -> b (Conv) -> Reshape -> c (Conv)
  const b = new GraphBuilder(2);
  const x = b.input('x', [1, 2, 4, 4]);
  const conv = (v: string) => b.node('Conv', [v, b.weight(`w${b.g.nodes.length}`, [2, 2, 1, 1])]);
  const shape = b.init('shape', Tensor.int64([4], [1, 2, 4, 4]));
  const a = conv(x);
  const r1 = b.node('Reshape', [a, shape]);
  const t1 = b.node('Transpose', [r1], { perm: { kind: 'ints', value: [0, 1, 3, 2] } });
  const mid = conv(t1);
  const r2 = b.node('Reshape', [mid, shape]);
  b.output(conv(r2));
  const q = { model: b.model(), float: [] };

  it('a mover chain between two float ops goes float with them; one beside an int8 op does not', () => {
    expect(withMovers(q, ['conv_0', 'conv_3']).sort()).toEqual([
      'conv_0',
      'conv_3',
      'reshape_1',
      'transpose_2',
    ]);
    expect(withMovers(q, ['conv_0'])).toEqual(['conv_0']);
    expect(withMovers(q, ['conv_3', 'conv_5']).sort()).toEqual(['conv_3', 'conv_5', 'reshape_4']);
    // An op type in the list counts for every node of that type, as --exclude reads it.
    expect(withMovers(q, ['Conv']).sort()).toEqual(['Conv', 'reshape_1', 'reshape_4', 'transpose_2']);
  });
});
