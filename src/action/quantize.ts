import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelQuantError } from '../errors.js';
import { parseOptions } from '../options.js';
import { quantizeModel } from '../pipeline/quantize-model.js';
import type { Git } from './git.js';
import { flagsFor } from './inputs.js';
import { displayPath } from './models.js';
import {
  accuracyOf,
  filesOf,
  summaryFile,
  writeSummary,
  type BaseSummary,
  type ModelSummary,
} from './summary.js';

export interface QuantizeContext {
  cwd: string;
  flags: Record<string, string>;
  /** Set on a pull request with compare_base: the base commit and git to read it. */
  base?: { git: Git; sha: string };
  log: (line: string) => void;
}

/**
 * Quantizes one model with the library call, then (on a pull request) its base-branch version the same
 * way, and writes `<stem>_summary.json` beside the reports. A model that fails is a row with its error,
 * not a thrown exception, so the other models still run and the table still shows.
 */
export async function quantizeOne(
  model: string,
  outDir: string,
  ctx: QuantizeContext,
): Promise<ModelSummary> {
  const show = (f: string) => displayPath(path.resolve(ctx.cwd, f), ctx.cwd);
  const summary: ModelSummary = {
    kind: 'model-quant-summary',
    schemaVersion: 1,
    model: show(model),
    inputBytes: fs.statSync(model).size,
    files: [],
  };
  try {
    const options = parseOptions(flagsFor(ctx.flags, model, outDir));
    const { report, gate, markdown } = await quantizeModel(options);
    const stem = path.join(outDir, path.basename(model, path.extname(model)));
    Object.assign(summary, {
      files: filesOf(report, show),
      accuracy: accuracyOf(report),
      reportJson: show(`${stem}_report.json`),
      reportMd: show(`${stem}_report.md`),
      gate,
      markdown,
    });
  } catch (e) {
    summary.error = describeError(e);
  }
  if (ctx.base && !summary.error) summary.base = await quantizeBase(model, ctx.base, ctx);
  writeSummary(summaryFile(outDir, model), summary);
  return summary;
}

async function quantizeBase(
  model: string,
  base: { git: Git; sha: string },
  ctx: QuantizeContext,
): Promise<BaseSummary> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'model-quant-base-'));
  try {
    const file = path.join(tmp, path.basename(model));
    const got = base.git.showFile(base.sha, model, file);
    if (got === 'missing') return { status: 'new' };
    if (got === 'error') return { status: 'failed', error: `cannot read it at ${base.sha.slice(0, 7)}` };
    const flags = { ...ctx.flags };
    delete flags.fail_on_drop;
    const options = parseOptions(flagsFor(flags, model, path.join(tmp, 'out')));
    options.input = file;
    const { report } = await quantizeModel(options);
    const show = (f: string) => path.basename(f);
    return {
      status: 'ok',
      inputBytes: report.input.bytes,
      files: filesOf(report, show),
      accuracy: accuracyOf(report),
    };
  } catch (e) {
    ctx.log(`base version of ${displayPath(model, ctx.cwd)}: ${describeError(e)}`);
    return { status: 'failed', error: describeError(e) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A user's error is its message, with flags named as the Action's inputs (`calib_data`, not
 * `--calib_data`); anything else keeps its stack for the log.
 */
export function describeError(e: unknown): string {
  if (e instanceof ModelQuantError) return asInputs(e.message);
  return e instanceof Error ? `internal error (please report it): ${e.stack ?? e.message}` : String(e);
}

export const asInputs = (message: string) =>
  message.replace(/(^|[\s('`])--([a-z][a-z0-9_]*)(?![\w-])/g, '$1$2');
