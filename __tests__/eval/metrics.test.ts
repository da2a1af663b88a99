import { describe, expect, it } from 'vitest';
import { classAxis, compare, MetricAccumulator } from '../../src/eval/metrics.js';
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
