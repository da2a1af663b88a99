import fs from 'node:fs';
import path from 'node:path';
import { upsertComment, type CommentsOctokit } from './comment.js';
import type { ModelSummary } from './summary.js';
import { COMMENT_LIMIT, renderTable, type TableContext } from './table.js';

/** What the Action's steps need from the outside world; main.ts builds it from @actions/*. */
export interface ActionIO {
  info(line: string): void;
  warning(message: string, file?: string): void;
  error(message: string, file?: string): void;
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary (a no-op where there is none). */
  summary(markdown: string): Promise<void>;
  setFailed(message: string): void;
  /** Absent without a token. */
  octokit?: CommentsOctokit;
  /** Absent outside a workflow run (no ACTIONS_RUNTIME_TOKEN). */
  artifacts?: ArtifactUploader;
}

/** The part of @actions/artifact's client this module calls. */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number },
  ): Promise<{ id?: number; size?: number }>;
}

/** The step outputs, for later steps and for the matrix pattern. */
export function setOutputs(io: ActionIO, summaries: readonly ModelSummary[]): void {
  const ok = summaries.filter((s) => !s.error);
  const reports = ok.flatMap((s) => (s.reportJson ? [s.reportJson] : []));
  const files = ok.flatMap((s) => s.files);
  const sqnrs = files.flatMap((f) => (f.sqnrDb === undefined ? [] : [f.sqnrDb]));
  io.setOutput('models', JSON.stringify(summaries.map((s) => s.model)));
  io.setOutput('reports', JSON.stringify(reports));
  io.setOutput('report', reports[0] ?? '');
  io.setOutput('quantized', JSON.stringify(files.map((f) => f.path)));
  io.setOutput('worst_ratio', files.length ? String(round(Math.max(...files.map((f) => f.ratio)), 4)) : '');
  io.setOutput('worst_sqnr', sqnrs.length ? String(round(Math.min(...sqnrs), 2)) : '');
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** Every file the run wrote for these models, for the artifact. */
export function writtenFiles(summaries: readonly ModelSummary[], cwd: string): string[] {
  const files = new Set<string>();
  for (const s of summaries) {
    if (s.error) continue;
    for (const f of [...s.files.map((x) => x.path), s.reportJson, s.reportMd])
      if (f) files.add(path.resolve(cwd, f));
    const stem = s.reportJson?.replace(/_report\.json$/, '');
    for (const extra of [`${stem}_layers.svg`, `${stem}_summary.json`]) {
      if (stem && fs.existsSync(path.resolve(cwd, extra))) files.add(path.resolve(cwd, extra));
    }
  }
  return [...files].sort();
}

export interface Publication {
  summaries: readonly ModelSummary[];
  table: TableContext;
  marker: string;
  /** The pull request to comment on, with the repository. */
  pr?: { owner: string; repo: string; issue_number: number };
  comment: boolean;
}

/**
 * The table everywhere it goes: the log, the job summary, and the pull request's one comment. A
 * comment that cannot be written never fails the step; the summary and the log have the same table.
 */
export async function publish(io: ActionIO, p: Publication): Promise<void> {
  const full = renderTable(p.summaries, p.table, '', 1_000_000);
  io.info(
    renderTable(p.summaries, { ...p.table, footer: undefined }, '', COMMENT_LIMIT).split('<details>')[0]!,
  );
  await io.summary(full);
  if (!p.comment) return;
  if (!p.pr) return io.info('model-quant: not a pull request; no comment (the table is in the job summary)');
  if (!io.octokit)
    return io.info('model-quant: no github_token; no comment (the table is in the job summary)');
  const body = renderTable(p.summaries, p.table, p.marker, COMMENT_LIMIT);
  try {
    const r = await upsertComment(io.octokit, p.pr, p.marker, body, {
      createIfMissing: p.summaries.length > 0,
    });
    if (r.action === 'forbidden') {
      io.info(
        `model-quant: the token may not comment on this pull request (403: ${r.message}); ` +
          'a pull request from a fork gets a read-only token. The table is in the job summary and above.',
      );
    } else if (r.action === 'skipped') {
      io.info('model-quant: no model changed and no earlier comment; no comment');
    } else {
      io.info(`model-quant: comment ${r.action}${r.url ? `: ${r.url}` : ''}`);
      io.setOutput('comment_id', String(r.id));
    }
  } catch (e) {
    io.warning(`model-quant: could not comment on the pull request: ${(e as Error).message}`);
  }
}
