import { describe, expect, it } from 'vitest';
import { filesOf, type ModelSummary } from '../../src/action/summary.js';
import type { Report } from '../../src/report/types.js';
import { COMMENT_LIMIT, commentMarker, renderTable, tableRows } from '../../src/action/table.js';

const summary = (model: string, extra: Partial<ModelSummary> = {}): ModelSummary => ({
  kind: 'model-quant-summary',
  schemaVersion: 1,
  model,
  inputBytes: 400 * 1024,
  files: [{ format: 'onnx', path: `output/${model}`, bytes: 100 * 1024, ratio: 0.25, sqnrDb: 31.24 }],
  ...extra,
});

describe('the table', () => {
  it('shows size before and after, ratio, SQNR, and the delta against the base version', () => {
    const base = {
      status: 'ok' as const,
      inputBytes: 400 * 1024,
      files: [{ format: 'onnx' as const, path: 'x', bytes: 110 * 1024, ratio: 0.275, sqnrDb: 30 }],
    };
    const [row] = tableRows([summary('m.onnx', { base })]);
    expect(row).toBe(
      '| `m.onnx` | onnx | 400.0 KiB → 100.0 KiB | 0.250 | 31.2 dB | −10.0 KiB, SQNR +1.2 dB |',
    );
    expect(tableRows([summary('n.onnx', { base: { status: 'new' } })])[0]).toMatch(/\| new \|$/);
    expect(tableRows([summary('n.onnx')])[0]).toMatch(/\| – \|$/);
  });

  it('shows labelled accuracy and its delta when there are labels, and a failed model with its error', () => {
    const acc = { top1Float: 0.9, top1Quant: 0.88 };
    const base = {
      status: 'ok' as const,
      inputBytes: 1,
      files: summary('m').files,
      accuracy: { top1Float: 0.9, top1Quant: 0.89 },
    };
    const [row] = tableRows([summary('m.onnx', { accuracy: acc, base })]);
    expect(row).toContain('| top-1 90.0% → 88.0%, 31.2 dB |');
    expect(row).toMatch(/top-1 −1\.0 pts \|$/);
    const [failed] = tableRows([
      summary('bad.onnx', { files: [], error: 'bad.onnx: not ONNX | at all\nstack' }),
    ]);
    expect(failed).toBe('| `bad.onnx` | – | 400.0 KiB | – | ❌ bad.onnx: not ONNX \\| at all | – |');
  });

  it('starts the comment with a marker that differs per workflow and per input set', () => {
    const m = commentMarker('ci', ['models/*.onnx']);
    expect(m).toMatch(/^<!-- model-quant-action:[0-9a-f]{16} -->$/);
    expect(commentMarker('ci', ['models/*.onnx'])).toBe(m);
    expect(commentMarker('release', ['models/*.onnx'])).not.toBe(m);
    expect(commentMarker('ci', ['other.onnx'])).not.toBe(m);
    expect(commentMarker('a --> b', [])).toMatch(/^<!-- model-quant-action:[0-9a-f]{16} -->$/);
    expect(renderTable([summary('m.onnx')], {}, m).startsWith(`${m}\n## model-quant\n`)).toBe(true);
  });

  it('stays under the comment limit: reports are dropped first, then rows, each with a note', () => {
    const markdown = 'x'.repeat(20_000);
    const few = Array.from({ length: 5 }, (_, i) => summary(`m${i}.onnx`, { markdown }));
    const text = renderTable(few, {}, '<!-- m -->');
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(text).toContain('<details><summary>m0.onnx</summary>');
    expect(text).toMatch(/_\d report\(s\) left out to fit GitHub's comment limit\._/);
    expect(tableRows(few).every((r) => text.includes(r))).toBe(true);

    const many = Array.from({ length: 2000 }, (_, i) => summary(`models/some/long/path/model_${i}.onnx`));
    const cut = renderTable(many, { footer: 'footer line' }, '<!-- m -->');
    expect(cut.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(cut).toMatch(
      /_Table truncated: \d+ more row\(s\) and the reports did not fit GitHub's 65,536-character comment limit/,
    );
    expect(cut).toContain('footer line');
    expect(cut).toContain(tableRows(many)[0]);
    const full = renderTable(many, {}, '', 10_000_000);
    expect(full).toContain(tableRows(many).at(-1));
  });
});

describe('a pow2 --rounding floor run', () => {
  const m = (sqnrDb: number) => ({ out: { sqnrDb, cosine: 1, maxAbsError: 0, meanAbsError: 0 } });
  const report = (rounding: 'floor' | 'nearest') =>
    ({
      outputs: [
        { format: 'onnx', path: '/w/m_quant.onnx', bytes: 100 * 1024, ratio: 0.25, metrics: m(6.7) },
        { format: 'tflite', path: '/w/m_quant.tflite', bytes: 100 * 1024, ratio: 0.25, metrics: m(6.9) },
      ],
      device: { runtime: 'integer', rounding, biasMode: 'B16', target: 'device', metrics: m(26.42) },
    }) as unknown as Report;

  it("shows the device row's SQNR on the .tflite row, says so, and marks the .onnx's runtime figure", () => {
    const files = filesOf(report('floor'), (p) => p.slice(3));
    const [onnx, tflite] = tableRows([summary('m.onnx', { files })]);
    expect(tflite).toContain('| device: 26.4 dB |');
    expect(onnx).toContain('| runtime, not the device: 6.7 dB |');
  });

  it('a nearest run shows each file in its runtime, unmarked', () => {
    const files = filesOf(report('nearest'), (p) => p.slice(3));
    const [onnx, tflite] = tableRows([summary('m.onnx', { files })]);
    expect(tflite).toContain('| 6.9 dB |');
    expect(onnx).toContain('| 6.7 dB |');
  });
});
