import path from 'node:path';
import { mixedPrecisionLines } from './mixed-precision-md.js';
import type { OutputMetrics } from '../eval/metrics.js';
import type { Report } from './types.js';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const db = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : v > 0 ? '∞' : '-∞');
const pct = (v: number | undefined) => (v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

/**
 * The compact table users read in a terminal, a job summary or a pull request: per written file and
 * model output, size, ratio, SQNR and top-1 agreement, then labelled accuracy and the worst layers.
 */
export function reportMarkdown(r: Report, chartFile?: string): string {
  const lines = [`### model-quant: \`${path.basename(r.input.path)}\``, ''];
  lines.push(`Input: ${kib(r.input.bytes)} (${r.input.format}). Scheme: ${String(r.settings.scheme)}.`);
  if (r.calibration) {
    const free =
      r.calibration.source === 'synthetic'
        ? ' — **data-free**: no calibration data was given, ranges come from synthetic inputs'
        : '';
    lines.push(
      `Calibration: ${r.calibration.samples} ${r.calibration.source} samples, ${r.calibration.method}${free}.`,
    );
  }
  if (r.evaluation) {
    const how =
      r.evaluation.source === 'synthetic'
        ? 'synthetic inputs (no data given: agreement only, not accuracy)'
        : `${r.evaluation.source} samples`;
    lines.push(`Evaluation: ${r.evaluation.samples} ${how}.`);
  }
  lines.push(
    '',
    '| format | size | ratio | output | SQNR (dB) | cosine | top-1 agreement |',
    '|---|---:|---:|---|---:|---:|---:|',
  );
  // The decoded text's agreement is 1 - CER against float's text: below 0 when the int8 model reads more
  // characters than float (noise inputs, a broken model), where a negative percentage reads as a bug.
  const decoded = (a: number) =>
    a >= 0
      ? `${pct(a)} of the CTC-decoded text`
      : `none of the CTC-decoded text (character error rate ${pct(1 - a)} against float's)`;
  const agreement = (m: OutputMetrics) =>
    m.characterAgreement === undefined
      ? pct(m.top1Agreement)
      : `${pct(m.top1Agreement)} per position, ${decoded(m.characterAgreement)}`;
  for (const o of r.outputs) {
    const rows = Object.entries(o.metrics ?? {});
    if (rows.length === 0)
      lines.push(`| ${o.format} | ${kib(o.bytes)} | ${o.ratio.toFixed(3)} | – | – | – | – |`);
    for (const [name, m] of rows) {
      lines.push(
        `| ${o.format} | ${kib(o.bytes)} | ${o.ratio.toFixed(3)} | ${name} | ${db(m.sqnrDb)} | ${m.cosine.toFixed(4)} | ${agreement(m)} |`,
      );
    }
  }
  if (r.device) {
    for (const [name, m] of Object.entries(r.device.metrics)) {
      lines.push(
        `| device (integer, ${r.device.biasMode}, ${r.device.rounding}) | – | – | ${name} | ${db(m.sqnrDb)} | ${m.cosine.toFixed(4)} | ${agreement(m)} |`,
      );
    }
  }
  const targets = [
    ...r.outputs.flatMap((o) => (o.target ? [`${o.format}: ${o.target}`] : [])),
    ...(r.device ? [`device: ${r.device.target}`] : []),
  ];
  if (targets.length) lines.push('', `Rows: ${targets.join('. ')}.`);
  if (r.accuracy) {
    const a = r.accuracy;
    lines.push(
      '',
      `Labelled accuracy${a.of === 'device' ? ' on the device' : ''} (${a.samples} samples): top-1 ${pct(a.top1Float)} → ${pct(a.top1Quant)}, top-5 ${pct(a.top5Float)} → ${pct(a.top5Quant)}.`,
    );
  }
  if (r.mixedPrecision) lines.push(...mixedPrecisionLines(r.mixedPrecision));
  if (r.layers.length) {
    lines.push(
      '',
      'Worst layers (SQNR of each quantized tensor against float; `--exclude` keeps a node in float):',
      '',
    );
    lines.push('| tensor | op | SQNR (dB) |', '|---|---|---:|');
    for (const l of r.layers.slice(0, 5)) lines.push(`| ${l.tensor} | ${l.op} | ${db(l.sqnrDb)} |`);
    if (chartFile) lines.push('', `![per-layer SQNR](${chartFile})`);
  }
  if (r.int16?.length) lines.push('', int16Line(r.int16));
  if (r.float.length) lines.push('', `${r.float.length} node(s) stay in float: ${summarizeFloat(r.float)}.`);
  const tfliteFloat = r.conversion?.floatOps ?? [];
  if (tfliteFloat.length)
    lines.push(
      '',
      `In the .tflite, ${tfliteFloat.length} more run in float: ${summarizeFloat(tfliteFloat)}.`,
    );
  lines.push(...stageLines(r));
  for (const w of r.warnings) lines.push('', `> ${w}`);
  return `${lines.join('\n')}\n`;
}

/** The ops run with int16 activations, by name (the first 12) and op. */
function int16Line(ops: NonNullable<Report['int16']>): string {
  const shown = ops.slice(0, 12).map((o) => `\`${o.node}\` (${o.op})`);
  const more = ops.length > shown.length ? `, and ${ops.length - shown.length} more` : '';
  return `${ops.length} node(s) run with int16 activations and int8 weights: ${shown.join(', ')}${more}.`;
}

function summarizeFloat(float: Report['float']): string {
  const byOp = new Map<string, number>();
  for (const f of float) byOp.set(`${f.op} (${f.why})`, (byOp.get(`${f.op} (${f.why})`) ?? 0) + 1);
  return [...byOp].map(([k, n]) => `${n}× ${k}`).join(', ');
}

/** One line for each optional stage that ran: what equalization and bias correction changed. */
function stageLines(r: Report): string[] {
  const lines: string[] = [];
  const eq = r.equalization;
  if (eq) {
    const skipped = eq.skipped.length ? `, ${eq.skipped.length} skipped (report.json says why)` : '';
    lines.push(
      '',
      `Equalization: ${eq.pairs.length} Conv pair(s) rescaled in ${eq.sweeps} sweep(s)${skipped}.`,
    );
  }
  const bc = r.biasCorrection;
  if (bc) {
    const worst = Math.max(0, ...bc.corrected.map((c) => c.maxShift));
    const undone = bc.undone ? ` (${bc.undone} more undone: they took the outputs further from float)` : '';
    const passes =
      bc.passes === undefined ? '' : `, measured against float in ${bc.passes} pass(es)${undone}`;
    lines.push(
      '',
      `Bias correction: ${bc.corrected.length} layer(s) corrected${passes}, largest shift ${worst.toPrecision(3)}.`,
    );
  }
  return lines;
}
