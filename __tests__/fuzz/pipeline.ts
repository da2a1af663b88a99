/**
 * One damaged model through the whole pipeline as the CLI runs it (quantizeModel: import, optimize,
 * calibrate, quantize, write, and evaluation, which loads and runs every written file in its runtime).
 * The outcome is a run (every file written) or a ModelQuantError (the CLI's exit 2; a runtime's fault
 * names the file) with nothing left in the output folder. Anything else, which the CLI reports as an internal error
 * (exit 3), is returned as a failure; a crash ends the worker and a hang the test's timeout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelQuantError } from '../../src/errors.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';

export type Outcome = { kind: 'ok' | 'refused'; ms: number } | { kind: 'failed'; why: string; ms: number };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-fuzz-'));
export const cleanUp = (): void => fs.rmSync(dir, { recursive: true, force: true });

export async function throughPipeline(
  bytes: Uint8Array,
  name: string,
  options: Record<string, string>,
): Promise<Outcome> {
  const input = path.join(dir, name);
  const output = path.join(dir, 'out');
  fs.rmSync(output, { recursive: true, force: true });
  fs.writeFileSync(input, bytes);
  const stem = name.replace(/\.(onnx|tflite)$/, '');
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    const { report } = await quantizeModel(parseOptions({ input, output, calib_samples: '1', ...options }));
    const missing = report.outputs.filter((o) => !fs.existsSync(o.path));
    if (missing.length) return { kind: 'failed', why: `ran, but ${missing[0]!.path} is missing`, ms: ms() };
    return { kind: 'ok', ms: ms() };
  } catch (e) {
    if (!(e instanceof ModelQuantError))
      return { kind: 'failed', why: (e as Error)?.stack ?? String(e), ms: ms() };
    // A runtime's fault names the file (the input, or the written file it was running) and the runtime.
    if (/ONNX Runtime|LiteRT/.test(e.message) && !e.message.includes(stem))
      return { kind: 'failed', why: `a runtime fault names no file: ${e.message}`, ms: ms() };
    const left = fs.existsSync(output) ? fs.readdirSync(output) : [];
    if (left.length)
      return { kind: 'failed', why: `refused, but left ${left.join(', ')}: ${e.message}`, ms: ms() };
    return { kind: 'refused', ms: ms() };
  } finally {
    fs.rmSync(input, { force: true });
  }
}

/** Tallies outcomes; failures keep the mutant's label and the reason. */
export class Tally {
  readonly counts = { ok: 0, refused: 0 };
  readonly failures: string[] = [];
  slowest = 0;
  private readonly start = performance.now();
  add(label: string, o: Outcome): void {
    this.slowest = Math.max(this.slowest, o.ms);
    const done = this.counts.ok + this.counts.refused + this.failures.length + 1;
    // Progress on long runs (stderr): how far, and how fast.
    if (done % 100 === 0)
      console.error(
        `fuzz: ${label}: ${done} done in ${Math.round((performance.now() - this.start) / 1000)} s`,
      );
    if (o.kind === 'failed') this.failures.push(`${label}: ${o.why}`);
    else this.counts[o.kind]++;
  }
}
