import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../src/options.js';
import type { QuantSettings } from '../src/quant/quantize.js';

export interface BenchSection {
  name: string;
  /** One line, printed above the section's figures. */
  description: string;
  run(): Promise<void>;
}

/**
 * The CLI's calibration defaults, read from its flag table (parseOptions), so that a bench quantizing
 * through the library measures what the default command does.
 */
const cli = parseOptions({ input: 'model.onnx', output: 'out' });
export const CALIBRATION_DEFAULTS: Pick<
  QuantSettings,
  'calibMethod' | 'percentile' | 'perChannel' | 'exclude'
> = {
  calibMethod: cli.calibMethod,
  percentile: cli.percentile,
  perChannel: cli.perChannel,
  exclude: cli.exclude,
};

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs `bench/<script>` in a fresh `node --import tsx` process and returns the JSON it prints last, so
 * that each case's peak RSS is its own and not what an earlier case left on the heap.
 */
export function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/${script} ${args.join(' ')} exited with ${code}`));
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`bench/${script} printed no JSON result: ${out.slice(-500)}`));
      }
    });
  });
}

/** A plain text table, columns padded to their widest cell; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const ms = (t: number) => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(1)} ms`);
