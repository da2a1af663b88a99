import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LargeRun } from './large-case.js';
import { mb, ms, runChild, table, type BenchSection } from './section.js';

/** Issue 17: a 500 MB model and one past protobuf's and ORT's 2 GiB, each within 2.5x its size. */
const SIZES_MB = (process.env.BENCH_LARGE_MB ?? '500,2300').split(',').map(Number);
const RSS_LIMIT = 2.5;

/**
 * Generates each model with its weights as external data (the form models past 2 GiB come in), then
 * quantizes it with the CLI's defaults in a fresh process. The folder is on the system's temp disk and
 * removed after each size (the 2.3 GB case needs about 3.5 GB of disk). BENCH_LARGE_MB=a,b picks sizes.
 */
export const largeSection: BenchSection = {
  name: 'large',
  description: `ONNX models with external data, 500 MB and 2.3 GB: whole default run, peak RSS vs ${RSS_LIMIT}x the model`,
  async run() {
    const rows: string[][] = [];
    const over: string[] = [];
    for (const size of SIZES_MB) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-bench-large-'));
      try {
        const file = path.join(tmp, `mlp_${size}mb.onnx`);
        const gen = await runChild<{ bytes: number; ms: number }>('large-case.ts', [
          'generate',
          file,
          `${size}`,
        ]);
        const out = path.join(tmp, 'out');
        const r = await runChild<LargeRun>('large-case.ts', ['quantize', file, out]);
        const ratio = r.maxRss / gen.bytes;
        if (ratio > RSS_LIMIT) over.push(`${size} MB`);
        const stages = Object.entries(r.timings).map(([k, v]) => `${k} ${ms(v)}`);
        const peaks = Object.entries(r.stagePeaks).map(
          ([k, v]) => `${k} ${mb(v)} (${(v / gen.bytes).toFixed(2)}x)`,
        );
        rows.push([
          `${size} MB MLP`,
          mb(gen.bytes),
          ms(r.ms),
          mb(r.maxRss),
          `${ratio.toFixed(2)}x (limit ${RSS_LIMIT}x: ${ratio <= RSS_LIMIT ? 'ok' : 'OVER'})`,
          r.files.map((f) => `${f.path} ${mb(f.bytes)}`).join(', '),
        ]);
        console.log(`${size} MB: ${stages.join(', ')}`);
        console.log(`  peak RSS by the end of: ${peaks.join(', ')}`);
        for (const w of r.warnings) console.log(`  warning: ${w}`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
    console.log('');
    console.log(table(['case', 'model', 'wall', 'peak RSS', 'RSS/model', 'files written'], rows));
    if (over.length) {
      console.log(`peak RSS over ${RSS_LIMIT}x the model: ${over.join(', ')}`);
      process.exitCode = 1;
    }
  },
};
