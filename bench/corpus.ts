import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORPUS } from './corpus-models.js';
import { mb, ms, ROOT, table, type BenchSection } from './section.js';

/**
 * The default command on every corpus model (and `--scheme affine`), as a user runs it: the installed
 * CLI (lib/, built first) in a fresh process. Prints the exit code, wall time, the report's stage times
 * and peak RSS; a model that does not exit 0 sets the exit code after everything is printed.
 */
export const corpusSection: BenchSection = {
  name: 'corpus',
  description: 'the default command and --scheme affine on each corpus model: exit, time, stages, peak RSS',
  async run() {
    spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    const rows: string[][] = [];
    let failed = 0;
    for (const c of CORPUS) {
      const calib = c.calibData ? fs.mkdtempSync(path.join(os.tmpdir(), 'mq-corpus-calib-')) : undefined;
      if (calib) await c.calibData!(calib);
      for (const scheme of ['pow2', 'affine']) {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-corpus-'));
        const args = [
          '--input',
          c.model,
          '--output',
          out,
          ...c.args,
          ...(calib ? ['--calib_data', calib] : []),
          ...(scheme === 'affine' ? ['--scheme', 'affine'] : []),
        ];
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/model-quant.js'), ...args], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        const wall = performance.now() - t0;
        const stem = path.basename(c.model, path.extname(c.model));
        const reportFile = path.join(out, `${stem}_report.json`);
        const report = fs.existsSync(reportFile)
          ? (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
              timingsMs: Record<string, number>;
              peakRssBytes: number;
              outputs: { format: string }[];
            })
          : undefined;
        if (r.status !== 0) failed++;
        const stages = report
          ? Object.entries(report.timingsMs)
              .map(([k, v]) => `${k} ${ms(v)}`)
              .join(', ')
          : '';
        const why = r.status === 0 ? '' : (r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 100);
        // Each run as it ends (stderr): a long run's figures so far are not lost with an interrupt.
        console.error(`corpus: ${c.name} ${scheme}: exit ${r.status}, ${ms(wall)}, ${stages || why}`);
        rows.push([
          c.name,
          scheme,
          String(r.status),
          ms(wall),
          report ? mb(report.peakRssBytes) : '-',
          report ? report.outputs.map((o) => o.format).join('+') : '-',
          stages || why,
        ]);
        fs.rmSync(out, { recursive: true, force: true });
      }
      if (calib) fs.rmSync(calib, { recursive: true, force: true });
    }
    console.log(
      table(['model', 'scheme', 'exit', 'wall', 'peak RSS', 'files', 'stages (or the error)'], rows),
    );
    if (failed) {
      console.log(`\n${failed} run(s) did not exit 0`);
      process.exitCode = 1;
    }
  },
};
