import { describe, expect, it } from 'vitest';
import { checkGate } from '../../src/pipeline/gate.js';
import type { Report } from '../../src/report/types.js';

const base = (over: Partial<Report>): Report =>
  ({ outputs: [], layers: [], float: [], warnings: [], ...over }) as unknown as Report;
const metrics = (top1Agreement?: number) => ({
  sqnrDb: 30,
  cosine: 0.99,
  maxAbsError: 0,
  meanAbsError: 0,
  top1Agreement,
});

describe('--fail_on_drop', () => {
  it('with labels: fails when top-1 drops by more than the threshold in points', () => {
    const r = base({
      accuracy: { samples: 100, top1Float: 0.8, top1Quant: 0.794, top5Float: 1, top5Quant: 1 },
    });
    expect(checkGate(r, 0.5).failed).toBe(true); // 0.6 points > 0.5
    expect(checkGate(r, 0.7).failed).toBe(false);
    expect(checkGate(r, 0.5).reason).toContain('drop 0.60 points');
  });

  it('without labels: fails when top-1 agreement falls below 100 - threshold %', () => {
    const r = base({
      outputs: [{ format: 'onnx', path: 'x', bytes: 1, ratio: 1, metrics: { out: metrics(0.99) } }],
    });
    expect(checkGate(r, 0.5).failed).toBe(true); // 99% < 99.5%
    expect(checkGate(r, 1).failed).toBe(false); // 99% >= 99%
  });

  it('without labels, a sequence output is judged by its decoded text, not per position', () => {
    // 97% of positions agree (blank frames count), but the decoded text loses 0.4 points of characters.
    const seq = (characterAgreement: number) => ({ ...metrics(0.97), characterAgreement });
    const r = (c: number) =>
      base({ outputs: [{ format: 'onnx', path: 'x', bytes: 1, ratio: 1, metrics: { out: seq(c) } }] });
    const g = checkGate(r(0.996), 0.5);
    expect(g.failed).toBe(false);
    expect(g.reason).toBe('character agreement (CTC decoded) with float 99.60% on onnx:out (limit 99.50%)');
    expect(checkGate(r(0.994), 0.5).failed).toBe(true);
  });

  it('does not fail when there is nothing to gate on, and says so', () => {
    const r = base({
      outputs: [{ format: 'onnx', path: 'x', bytes: 1, ratio: 1, metrics: { out: metrics(undefined) } }],
    });
    const g = checkGate(r, 0.5);
    expect(g.failed).toBe(false);
    expect(g.reason).toMatch(/nothing to gate on/);
  });

  it('a pow2 --rounding floor run is judged on the device row, not on the runtimes that round', () => {
    // The files agree with float in ORT and LiteRT on 50% of the samples only (their biases carry the
    // truncating hardware's offset, which those runtimes add to their own rounding); the device: 100%.
    const files = [
      { format: 'onnx' as const, path: 'x', bytes: 1, ratio: 1, metrics: { out: metrics(0.5) } },
      { format: 'tflite' as const, path: 'y', bytes: 1, ratio: 1, metrics: { out: metrics(0.5) } },
    ];
    const device = (top1: number, rounding: 'floor' | 'nearest') => ({
      runtime: 'integer' as const,
      rounding,
      biasMode: 'B16' as const,
      target: 'the .tflite in the original hardware',
      metrics: { out: metrics(top1) },
    });
    const floor = checkGate(base({ outputs: files, device: device(1, 'floor') }), 1);
    expect(floor.failed).toBe(false);
    expect(floor.reason).toContain('100.00% on device:out');
    expect(checkGate(base({ outputs: files, device: device(0.98, 'floor') }), 1).failed).toBe(true);
    // Rounding hardware: every row measures what ships, the worst one decides.
    const nearest = checkGate(base({ outputs: files, device: device(1, 'nearest') }), 1);
    expect(nearest.failed).toBe(true);
    expect(nearest.reason).toContain('50.00% on onnx:out');
  });
});
