import fs from 'node:fs';
import path from 'node:path';
import type { Gate } from '../pipeline/gate.js';
import type { Report } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';

/** One written file, as the pull-request table shows it. */
export interface FileSummary {
  format: 'onnx' | 'tflite';
  /** Workspace-relative. */
  path: string;
  bytes: number;
  ratio: number;
  /** The worst (lowest) SQNR over the model's outputs, and which output that is. */
  sqnrDb?: number;
  worstOutput?: string;
  top1Agreement?: number;
  /**
   * 'device': the figures are the integer executor's (the .tflite in the truncating hardware's
   * arithmetic), for pow2 --rounding floor, whose files runtimes that round do not measure;
   * 'rounding-runtime': such a file's figure in its runtime (not what the hardware computes).
   */
  measuredOn?: 'device' | 'rounding-runtime';
}

export interface Top1 {
  top1Float: number;
  top1Quant: number;
}

/** The base branch's version of a model, quantized the same way. */
export type BaseSummary =
  | { status: 'new' }
  | { status: 'ok'; inputBytes: number; files: FileSummary[]; accuracy?: Top1 }
  | { status: 'failed'; error: string };

/**
 * A model's line in the table, also written as `<stem>_summary.json` so that a `mode: merge` job can
 * build one table from the matrix jobs' artifacts.
 */
export interface ModelSummary {
  kind: 'model-quant-summary';
  schemaVersion: 1;
  model: string;
  inputBytes: number;
  files: FileSummary[];
  accuracy?: Top1;
  reportJson?: string;
  reportMd?: string;
  gate?: Gate;
  error?: string;
  base?: BaseSummary;
  /** The report's Markdown, shown folded under the table. */
  markdown?: string;
}

/**
 * The table's figures per written file. A pow2 floor run's .tflite shows the device row (what the
 * truncating hardware computes); its .onnx keeps ONNX Runtime's figure, which the table marks.
 */
export function filesOf(report: Report, show: (file: string) => string): FileSummary[] {
  const device = report.device?.rounding === 'floor' ? report.device.metrics : undefined;
  return report.outputs.map((o) => {
    const onDevice = device && o.format === 'tflite';
    const metrics = Object.entries((onDevice ? device : o.metrics) ?? {});
    const worst = metrics.reduce<[string, number] | undefined>(
      (w, [name, m]) => (w === undefined || m.sqnrDb < w[1] ? [name, m.sqnrDb] : w),
      undefined,
    );
    const agreements = metrics.flatMap(([, m]) => (m.top1Agreement === undefined ? [] : [m.top1Agreement]));
    return {
      format: o.format,
      path: show(o.path),
      bytes: o.bytes,
      ratio: o.ratio,
      sqnrDb: worst?.[1],
      worstOutput: metrics.length > 1 ? worst?.[0] : undefined,
      top1Agreement: agreements.length ? Math.min(...agreements) : undefined,
      ...(device ? { measuredOn: onDevice ? ('device' as const) : ('rounding-runtime' as const) } : {}),
    };
  });
}

export function accuracyOf(report: Report): Top1 | undefined {
  const a = report.accuracy;
  return a && { top1Float: a.top1Float, top1Quant: a.top1Quant };
}

export function summaryFile(outDir: string, model: string): string {
  return path.join(outDir, `${path.basename(model, path.extname(model))}_summary.json`);
}

export function writeSummary(file: string, s: ModelSummary): void {
  writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`));
}

/** Reads every `*_summary.json` under the given folders or globs (merge mode), skipping other JSON. */
export function readSummaries(files: readonly string[]): ModelSummary[] {
  const out: ModelSummary[] = [];
  for (const f of files) {
    const parsed = JSON.parse(fs.readFileSync(f, 'utf8')) as Partial<ModelSummary>;
    if (parsed.kind === 'model-quant-summary') out.push(parsed as ModelSummary);
  }
  return out.sort((a, b) => a.model.localeCompare(b.model));
}
