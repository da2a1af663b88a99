import { createHash } from 'node:crypto';
import type { FileSummary, ModelSummary } from './summary.js';

/** GitHub refuses issue comments longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/**
 * The hidden first line that finds a comment again: one per workflow and input set. The key is hashed
 * so that no workflow name can end the HTML comment early.
 */
export function commentMarker(workflow: string, inputSet: readonly string[]): string {
  const key = createHash('sha256')
    .update(`${workflow}\n${inputSet.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
  return `<!-- model-quant-action:${key} -->`;
}

export interface TableContext {
  /** Shown under the table: where the full reports and quantized files are. */
  footer?: string;
  /** The base commit the deltas compare with, when there is one. */
  baseSha?: string;
}

const kib = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const cell = (s: string) => s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const db = (v: number) => (v >= 200 ? '≥200' : v.toFixed(1));

function quality(s: ModelSummary, f: FileSummary): string {
  const parts: string[] = [];
  if (s.accuracy) parts.push(`top-1 ${pct(s.accuracy.top1Float)} → ${pct(s.accuracy.top1Quant)}`);
  const on = f.measuredOn ? (f.measuredOn === 'device' ? 'device: ' : 'runtime, not the device: ') : '';
  if (f.sqnrDb !== undefined)
    parts.push(`${on}${db(f.sqnrDb)} dB${f.worstOutput ? ` (${f.worstOutput})` : ''}`);
  else if (!s.accuracy) parts.push('–');
  if (s.gate?.failed) parts.push('⚠️ over `fail_on_drop`');
  return cell(parts.join(', '));
}

function delta(s: ModelSummary, f: FileSummary): string {
  const b = s.base;
  if (!b) return '–';
  if (b.status === 'new') return 'new';
  if (b.status === 'failed') return cell(`base failed: ${b.error.split('\n')[0]}`);
  const bf = b.files.find((x) => x.format === f.format);
  if (!bf) return 'new format';
  const parts = [`${signed((f.bytes - bf.bytes) / 1024, 1)} KiB`];
  if (s.accuracy && b.accuracy) {
    parts.push(`top-1 ${signed((s.accuracy.top1Quant - b.accuracy.top1Quant) * 100, 1)} pts`);
  } else if (f.sqnrDb !== undefined && bf.sqnrDb !== undefined) {
    parts.push(`SQNR ${signed(f.sqnrDb - bf.sqnrDb, 1)} dB`);
  }
  return parts.join(', ');
}

/** A report's Markdown for folding under the table: its chart is a file in the artifact, not a link here. */
const foldable = (md: string) => md.replace(/^!\[[^\]]*\]\([^)]*\.svg\)\n?/gm, '').trim();

/** The table rows: one per model and written format; a failed model is one row with its error. */
export function tableRows(summaries: readonly ModelSummary[]): string[] {
  const rows: string[] = [];
  for (const s of summaries) {
    const name = `\`${cell(s.model)}\``;
    if (s.error) {
      rows.push(`| ${name} | – | ${kib(s.inputBytes)} | – | ❌ ${cell(s.error.split('\n')[0]!)} | – |`);
      continue;
    }
    for (const f of s.files) {
      rows.push(
        `| ${name} | ${f.format} | ${kib(s.inputBytes)} → ${kib(f.bytes)} | ${f.ratio.toFixed(3)} | ${quality(s, f)} | ${delta(s, f)} |`,
      );
    }
  }
  return rows;
}

const HEADER = [
  '| model | format | size (float → int8) | ratio | SQNR (worst output) / top-1 | vs base |',
  '|---|---|---:|---:|---|---|',
];

/**
 * The Markdown of a comment or job summary: heading, table, footer, then each model's full report folded.
 * Kept under `limit` characters: reports are dropped first, then rows, each time with a note saying so.
 */
export function renderTable(
  summaries: readonly ModelSummary[],
  ctx: TableContext,
  marker = '',
  limit = COMMENT_LIMIT,
): string {
  const head = [marker, '## model-quant', ''].filter((l, i) => i > 0 || l);
  const failed = summaries.filter((s) => s.error).length;
  const gated = summaries.filter((s) => s.gate?.failed).length;
  const base = ctx.baseSha ? `; deltas against the base branch at \`${ctx.baseSha.slice(0, 7)}\`` : '';
  head.push(
    summaries.length === 0
      ? 'No model to quantize in this change.'
      : `${summaries.length} model(s)${failed ? `, ${failed} failed` : ''}${gated ? `, ${gated} over the accuracy-drop limit` : ''}${base}.`,
    '',
  );
  const rows = tableRows(summaries);
  const foot = ctx.footer ? ['', ctx.footer] : [];
  const details = summaries
    .filter((s) => s.markdown)
    .map((s) => `\n<details><summary>${s.model}</summary>\n\n${foldable(s.markdown!)}\n\n</details>`);
  const join = (r: string[], d: string[], notes: string[]) =>
    [...head, ...(r.length || summaries.length ? [...HEADER, ...r] : []), ...notes, ...foot, ...d].join(
      '\n',
    ) + '\n';

  let shownDetails = details.length;
  let text = join(rows, details, []);
  while (text.length > limit && shownDetails > 0) {
    shownDetails--;
    const note = [`\n_${details.length - shownDetails} report(s) left out to fit GitHub's comment limit._`];
    text = join(rows, details.slice(0, shownDetails), note);
  }
  let shownRows = rows.length;
  while (text.length > limit && shownRows > 0) {
    shownRows = Math.min(shownRows - 1, Math.floor((shownRows * limit) / text.length));
    const note = [
      '',
      `_Table truncated: ${rows.length - shownRows} more row(s) and the reports did not fit GitHub's ${COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit; the job summary and the artifact have them all._`,
    ];
    text = join(rows.slice(0, shownRows), [], note);
  }
  return text;
}
