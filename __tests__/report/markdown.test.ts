import { describe, expect, it } from 'vitest';
import { reportMarkdown } from '../../src/report/markdown.js';
import { mixedPrecisionLines } from '../../src/report/mixed-precision-md.js';
import type { MixedPrecisionReport, Report } from '../../src/report/types.js';

const metrics = (top1Agreement: number, characterAgreement?: number) => ({
  sqnrDb: 20,
  cosine: 0.99,
  maxAbsError: 0,
  meanAbsError: 0,
  top1Agreement,
  ...(characterAgreement === undefined ? {} : { characterAgreement }),
});

describe('the Markdown report on a sequence output', () => {
  it('shows per-position and decoded-text agreement; a class-score output shows top-1 only', () => {
    const r = {
      input: { path: 'rec.onnx', format: 'onnx', bytes: 1024 },
      settings: { scheme: 'pow2' },
      outputs: [
        {
          format: 'onnx',
          path: 'x',
          bytes: 1024,
          ratio: 1,
          metrics: { ctc: metrics(0.9734, 0.9961), cls: metrics(0.5) },
        },
      ],
      layers: [],
      float: [],
      warnings: [],
    } as unknown as Report;
    const md = reportMarkdown(r);
    expect(md).toContain('| ctc | 20.0 | 0.9900 | 97.3% per position, 99.6% of the CTC-decoded text |');
    expect(md).toContain('| cls | 20.0 | 0.9900 | 50.0% |');
  });

  it('names a decoded text worse than none (more characters than float reads) by its error rate, not a negative share', () => {
    const r = {
      input: { path: 'rec.onnx', format: 'onnx', bytes: 1024 },
      settings: { scheme: 'pow2' },
      outputs: [
        { format: 'onnx', path: 'x', bytes: 1024, ratio: 1, metrics: { ctc: metrics(0.956, -2.667) } },
      ],
      layers: [],
      float: [],
      warnings: [],
    } as unknown as Report;
    const md = reportMarkdown(r);
    // 1 - (-2.667) = 3.667: the int8 text has 3.667 edits per character float reads.
    expect(md).toContain(
      '95.6% per position, none of the CTC-decoded text (character error rate 366.7% against float',
    );
    expect(md).not.toContain('-266.7%');
  });

  it('the mixed-precision line names the character agreement the target read', () => {
    const m = {
      target: {
        maxDrop: 0.5,
        metric: 'character agreement with float (greedy CTC decoding, blank 0) at least 99.50%',
      },
      precision: 'float',
      samples: 50,
      rankingSamples: 8,
      candidates: 212,
      groups: 0,
      before: { sqnrDb: 18, characterAgreement: 0.9912, dropPoints: 0.88 },
      after: { sqnrDb: 19, characterAgreement: 0.9962, dropPoints: 0.38 },
      met: true,
      kept: [],
      evaluations: 1,
      reranks: 0,
    } as unknown as MixedPrecisionReport;
    expect(mixedPrecisionLines(m)[1]).toContain(
      'before character agreement 99.12%, 18.0 dB, after character agreement 99.62%, 19.0 dB',
    );
  });
  it('prints the drop bound under --max_drop, and not under --min_sqnr alone', () => {
    const score = { sqnrDb: 18, top1Agreement: 0.9, dropPoints: 10, dropBound: 14.46 };
    const m = (target: object) =>
      ({
        target: { ...target, metric: 'top-1 agreement' },
        precision: 'float',
        samples: 16,
        before: score,
        after: score,
        met: false,
        kept: [],
        evaluations: 1,
        reranks: 0,
      }) as unknown as MixedPrecisionReport;
    expect(mixedPrecisionLines(m({ maxDrop: 1 }))[1]).toContain('drop at most 14.46 points (95%)');
    const sqnrOnly = mixedPrecisionLines(m({ minSqnr: 30 }))[1]!;
    expect(sqnrOnly).toContain('top-1 agreement 90.00%, 18.0 dB');
    expect(sqnrOnly).not.toContain('drop at most');
  });
});
