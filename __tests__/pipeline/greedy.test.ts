import { describe, expect, it } from 'vitest';
import type { Candidate, Reference } from '../../src/eval/evaluate.js';
import { Tensor } from '../../src/ir/tensor.js';
import { searchPrecision } from '../../src/pipeline/mixed-precision.js';
import { prune } from '../../src/pipeline/precision-prune.js';
import type { MixedPrecisionReport } from '../../src/report/types.js';
import type { SampleSource } from '../../src/quant/calibrate.js';

/**
 * The search on a model given by its arithmetic: the output is [2, 2] plus, for each op not kept in
 * float, that op's error vector. Errors: a (1, 0), b (-0.6, 0), c (0, 0.1), d (0, 0.3); together
 * (0.4, 0.4), noise power 0.32. Alone in float (hand-computed noise power): a 0.52, b 1.16, c 0.25,
 * d 0.17, so the ranking is d, c, a, b. Keeping d then c helps (0.17, 0.16); a then makes it worse
 * (b's error is left alone: 0.36), and b after it too (1.0): both steps are undone. Single ops stop
 * there, short of 30 dB (noise 0.008); of the groups (every Conv, blocks {a, b} and {c, d}) {a, b}
 * reaches it on top of d and c with the fewest ops, and is kept.
 */
const ERRORS: Record<string, [number, number]> = { a: [1, 0], b: [-0.6, 0], c: [0, 0.1], d: [0, 0.3] };
const source: SampleSource = {
  count: 3,
  kind: 'data',
  async *samples() {
    for (let i = 0; i < 3; i++) yield { x: Tensor.float32([1], [i]) };
  },
};
const reference: Reference = {
  outputNames: ['y'],
  run: async () => ({ y: Tensor.float32([1, 2], [2, 2]) }),
  close: () => undefined,
};
const candidate = async (kept: string[]): Promise<Candidate> => ({
  async run() {
    const y = [2, 2];
    for (const [op, e] of Object.entries(ERRORS)) if (!kept.includes(op)) e.forEach((v, i) => (y[i] += v));
    return { y: { dims: [1, 2], data: Float32Array.from(y) } };
  },
  close: () => undefined,
});
const search = (minSqnr: number, strategy: 'bisect' | 'greedy' = 'greedy') =>
  searchPrecision<string[]>({
    target: { minSqnr },
    baseExclude: [],
    evaluation: source,
    reference,
    quantize: async (exclude) => exclude,
    candidate,
    ops: () => Object.keys(ERRORS).map((node) => ({ node, op: 'Conv' })),
    strategy,
  });

describe('the greedy search', () => {
  it('keeps ops in ranked order, undoes the steps that do not help, then keeps a group', async () => {
    const r = await search(30);
    expect(r.report.kept.map((k) => k.node)).toEqual(['d', 'c', 'ops 1-2 of 4 (a … b)']);
    expect(r.report.kept[2]).toMatchObject({ op: 'group', members: ['a', 'b'] });
    expect(r.report.groups).toBe(3);
    expect(r.report.kept.map((k) => k.after!.sqnrDb)).toEqual([
      expect.closeTo(10 * Math.log10(8 / 0.17), 5),
      expect.closeTo(10 * Math.log10(8 / 0.16), 5),
      Infinity,
    ]);
    expect(r.report.undone).toBe(2);
    expect(r.report.met).toBe(true);
    expect(r.exclude).toEqual(['d', 'c', 'a', 'b']);
    expect(r.warning).toBeUndefined();
  });

  it('stops at the first step that meets the target', async () => {
    const r = await search(10 * Math.log10(8 / 0.2));
    expect(r.report.kept.map((k) => k.node)).toEqual(['d']);
    expect(r.report.met).toBe(true);
    expect(r.report.undone).toBeUndefined();
    expect(r.quant).toEqual(['d']);
  });
});

describe('giving back what the target does not need', () => {
  /**
   * A group of 16 ops kept whole, of which only op0 matters: in int8 it adds (1, 0) to the output [2, 2],
   * every other op adds nothing. The target (30 dB) holds exactly while op0 is float. Tried back in int8:
   * all 16 (fails: op0), ops 0-7 (fails), ops 0-3 (fails; too small to split), ops 4-7 (holds), ops 8-15
   * (holds): ops 0-3 stay float, 12 go back, in 5 judgements.
   */
  it('splits a kept group and keeps only the part the target needs', async () => {
    const members = Array.from({ length: 16 }, (_, i) => `op${i}`);
    const judged: string[][] = [];
    const judge = async (exclude: string[]) => {
      judged.push(exclude);
      const e = exclude.includes('op0') ? 0 : 1;
      return { score: { sqnrDb: e ? 10 * Math.log10(8 / 1) : Infinity } };
    };
    const report = {
      kept: [{ node: 'block', op: 'group', members }],
      reranks: 0,
    } as unknown as MixedPrecisionReport;
    const found = await prune(
      { target: { minSqnr: 30 }, judge },
      { exclude: members, score: { sqnrDb: Infinity } },
      report,
      [],
      32,
    );
    expect(found.exclude).toEqual(['op0', 'op1', 'op2', 'op3']);
    expect(judged).toHaveLength(5);
    expect(report.pruned).toBe(12);
    expect(report.kept).toEqual([{ node: 'block', op: 'group', members: ['op0', 'op1', 'op2', 'op3'] }]);
  });
});

describe('the bisection over the ranked ops (the default)', () => {
  it('ranks by the error each op adds alone, and keeps the shortest prefix that meets the target', async () => {
    // Only one op int8 (hand-computed noise power): a 1, b 0.36, d 0.09, c 0.01: ranked a, b, d, c.
    // Prefixes in float: {a, b} leaves c + d = (0, 0.4), noise 0.16 (17.0 dB); {a, b, d} leaves c,
    // 0.01 (29.0 dB): only all four reach 30 dB, in 3 judgements (4 ops: met; 2, 3: not).
    const r = await search(30, 'bisect');
    expect(r.exclude).toEqual(['a', 'b', 'd', 'c']);
    expect(r.report.kept.map((k) => k.node)).toEqual(['a', 'b', 'd', 'c']);
    expect(r.report.kept[0]!.alone!.sqnrDb).toBeCloseTo(10 * Math.log10(8 / 1), 5);
    expect(r.report.met).toBe(true);
    expect(r.report.bisections).toBe(3);
    // 16 dB: {a} leaves b + c + d = (-0.6, 0.4), 0.52 (11.9 dB); {a, b} meets it: all four, then 2, then 1.
    const two = await search(16, 'bisect');
    expect(two.exclude).toEqual(['a', 'b']);
    expect(two.report.bisections).toBe(3);
    expect(two.report.kept.at(-1)!.after!.sqnrDb).toBeCloseTo(10 * Math.log10(8 / 0.16), 5);
  });
});
