import { describe, expect, it } from 'vitest';
import {
  agreementCounts,
  agreementOf,
  classAxis,
  compare,
  ctcGreedy,
  editDistance,
  MetricAccumulator,
  sequenceSteps,
} from '../../src/eval/metrics.js';
import { reportJson } from '../../src/report/json.js';

describe('output metrics, against hand-computed values', () => {
  it('SQNR, cosine, max and mean absolute error of [1,2,3] vs [1,2,4]', () => {
    const m = compare(Float32Array.of(1, 2, 3), Float32Array.of(1, 2, 4));
    // signal 1+4+9 = 14, noise 1 -> 10 log10 14
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(14), 10);
    // cosine 17 / sqrt(14 * 21)
    expect(m.cosine).toBeCloseTo(17 / Math.sqrt(14 * 21), 10);
    expect(m.maxAbsError).toBe(1);
    expect(m.meanAbsError).toBeCloseTo(1 / 3, 10);
  });

  it('identical arrays have infinite SQNR (not NaN), and the JSON report caps it at 200 dB', () => {
    const m = compare(Float32Array.of(0.5, -2), Float32Array.of(0.5, -2));
    expect(m.sqnrDb).toBe(Infinity);
    expect(m.cosine).toBe(1);
    const json = JSON.parse(reportJson({ layers: [{ tensor: 't', op: 'Conv', sqnrDb: m.sqnrDb }] } as never));
    expect(json.layers[0].sqnrDb).toBe(200);
  });

  it('top-1 agreement counts rows whose argmax agrees, accumulated over samples', () => {
    const acc = new MetricAccumulator();
    // two rows of 3 classes: row 0 argmax 2 vs 2 (agree), row 1 argmax 0 vs 1 (disagree)
    acc.add(Float32Array.of(0, 1, 5, 9, 1, 0), Float32Array.of(0, 2, 4, 1, 3, 0), 3);
    acc.add(Float32Array.of(1, 0, 0), Float32Array.of(2, 0, 1), 3);
    expect(acc.result().top1Agreement).toBeCloseTo(2 / 3, 12);
  });

  it('a sequence output [N, T, classes] (a CTC recognizer) is scored per position; maps are not scored', () => {
    expect(classAxis([1, 1000])).toBe(1000);
    expect(classAxis([1, 40, 6625])).toBe(6625);
    expect(classAxis([1, 1, 64, 64])).toBeUndefined();
    expect(classAxis([7])).toBeUndefined();
    const acc = new MetricAccumulator();
    // [1, T=3, C=2]: positions argmax 1/1 (agree), 0/1 (disagree), 0/0 (agree)
    acc.add(Float32Array.of(0, 1, 3, 2, 5, 4), Float32Array.of(0, 2, 1, 2, 5, 0), classAxis([1, 3, 2]));
    expect(acc.result().top1Agreement).toBeCloseTo(2 / 3, 12);
  });

  it('greedy CTC decoding merges repeats, then drops the blank (class 0)', () => {
    expect(ctcGreedy([0, 3, 3, 0, 0, 5, 5, 5, 0])).toEqual([3, 5]);
    // A blank between two equal classes keeps both; without it they merge.
    expect(ctcGreedy([2, 0, 2, 2, 4, 2])).toEqual([2, 2, 4, 2]);
    expect(ctcGreedy([0, 0, 0])).toEqual([]);
    expect(ctcGreedy(Int32Array.of(1, 1, 1))).toEqual([1]);
  });

  it('edit distance counts insertions, deletions and substitutions', () => {
    expect(editDistance([], [])).toBe(0);
    expect(editDistance([1, 2, 3], [])).toBe(3);
    expect(editDistance([], [7, 7])).toBe(2);
    // kitten -> sitting: k->s, e->i, insert g
    const codes = (w: string) => [...w].map((c) => c.charCodeAt(0));
    expect(editDistance(codes('kitten'), codes('sitting'))).toBe(3);
    expect(editDistance([1, 2], [2, 1])).toBe(2);
  });

  it('a sequence output also scores the decoded text: 1 - edits / float characters, over sequences', () => {
    expect(sequenceSteps([2, 5, 3])).toBe(5);
    expect(sequenceSteps([1, 1000])).toBeUndefined();
    // One position per "sequence": a state vector, not text (Silero VAD's stateN).
    expect(sequenceSteps([2, 1, 128])).toBeUndefined();
    // One-hot rows of 3 classes from per-position classes.
    const rows = (cs: number[]) =>
      Float32Array.from(cs.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const acc = new MetricAccumulator();
    // [N=2, T=5, C=3] in one sample. Sequence 0: float 1 1 0 2 2 -> "1 2"; int8 1 0 2 2 1 -> "1 2 1"
    // (1 insertion). Sequence 1: float 2 2 0 2 0 -> "2 2"; int8 2 0 2 2 1 -> "2 2 1" (1 insertion). Read
    // as one sequence of 10, float's "1 2" and "2 2" would merge into "1 2 2" (3 edits from "1 2 1 2 2 1").
    acc.add(rows([1, 1, 0, 2, 2, 2, 2, 0, 2, 0]), rows([1, 0, 2, 2, 1, 2, 0, 2, 2, 1]), 3, 5);
    // Sequence of a second sample: float 0 1 1 0 0 -> "1"; int8 1 1 0 0 0 -> "1" (frames differ, text same).
    acc.add(rows([0, 1, 1, 0, 0]), rows([1, 1, 0, 0, 0]), 3, 5);
    const m = acc.result();
    // Positions: 2 + 2 + 3 of 15 agree; text: 2 edits over 2 + 2 + 1 float characters.
    expect(m.top1Agreement).toBeCloseTo(7 / 15, 12);
    expect(m.characterAgreement).toBeCloseTo(1 - 2 / 5, 12);
    expect(agreementOf(m)).toBe(m.characterAgreement);
  });

  it('blank frames that differ do not cost decoded agreement; a [N, classes] output has none', () => {
    const rows = (cs: number[]) =>
      Float32Array.from(cs.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    // float 0 1 0 0 2 0 -> "1 2"; int8 0 1 1 0 2 2 -> "1 2": 4 of 6 positions, every character.
    const seq = compare(rows([0, 1, 0, 0, 2, 0]), rows([0, 1, 1, 0, 2, 2]), 3, 6);
    expect(seq.top1Agreement).toBeCloseTo(4 / 6, 12);
    expect(seq.characterAgreement).toBe(1);
    // Float reads nothing, int8 reads 2 characters: 1 - 2 / max(0, 1).
    expect(compare(rows([0, 0, 0]), rows([1, 0, 2]), 3, 3).characterAgreement).toBe(-1);
    const flat = compare(rows([1, 2]), rows([1, 0]), 3);
    expect(flat.characterAgreement).toBeUndefined();
    expect(agreementOf(flat)).toBe(0.5);
  });

  it('SQNR over several samples pools signal and noise power (not an average of dB)', () => {
    const acc = new MetricAccumulator();
    acc.add(Float32Array.of(3), Float32Array.of(2)); // signal 9, noise 1
    acc.add(Float32Array.of(1), Float32Array.of(1)); // signal 1, noise 0
    expect(acc.result().sqnrDb).toBeCloseTo(10 * Math.log10(10), 10);
  });

  it('reference RMS pools the float values of every sample: sqrt((9 + 16 + 0) / 3)', () => {
    const acc = new MetricAccumulator();
    acc.add(Float32Array.of(3, -4), Float32Array.of(0, 0));
    acc.add(Float32Array.of(0), Float32Array.of(5));
    expect(acc.referenceRms()).toBeCloseTo(Math.sqrt(25 / 3), 12);
    expect(new MetricAccumulator().referenceRms()).toBe(0);
  });
});

describe('agreementCounts (what the stop rule counts per sample)', () => {
  it('a CTC sequence by hand: decoded texts "1 2" (float) and "1 1 2" (int8), one edit of two characters', () => {
    // 5 positions of 3 classes (class 0 the blank). Float's argmax 1 1 0 2 2 -> "1 2"; int8's
    // 1 0 1 2 0 -> "1 1 2" (the blank between the 1s keeps both): edit distance 1 (an insertion), float's
    // text 2 characters; positions 1, 2 and 4 disagree.
    const rows = (classes: number[]) =>
      Float32Array.from(classes.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const c = agreementCounts(rows([1, 1, 0, 2, 2]), rows([1, 0, 1, 2, 0]), 3, 5);
    expect(c).toEqual({ rows: 5, rowMisses: 3, misses: 1, total: 2, sequences: 1 });
    // The accumulator reads the same counts: 1 - 1/2 decoded, 2/5 per position.
    const m = compare(rows([1, 1, 0, 2, 2]), rows([1, 0, 1, 2, 0]), 3, 5);
    expect(m.characterAgreement).toBeCloseTo(0.5, 12);
    expect(m.top1Agreement).toBeCloseTo(0.4, 12);
    // Rows without sequences: misses are the disagreeing rows; no class axis: nothing to count.
    expect(agreementCounts(rows([1, 2]), rows([1, 0]), 3)).toEqual({
      rows: 2,
      rowMisses: 1,
      misses: 1,
      total: 2,
    });
    expect(agreementCounts(rows([1]), rows([1]))).toBeUndefined();
  });
});
