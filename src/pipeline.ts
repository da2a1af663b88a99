import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, ModelQuantError } from './errors.js';
import { formatOf, readModel, writeModel, type ModelFormat } from './model-io.js';
import type { OutputFormat, QuantizeOptions } from './options.js';

export interface WrittenFile {
  format: OutputFormat;
  path: string;
  bytes: number;
}

export interface Report {
  schemaVersion: 1;
  input: { path: string; format: ModelFormat; bytes: number };
  settings: QuantizeOptions;
  outputs: WrittenFile[];
  timingsMs: Record<string, number>;
  warnings: string[];
}

export interface ProgressEvent {
  stage: string;
  done?: number;
  total?: number;
}

export interface RunHooks {
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * The one library call both faces use: read, optimize, calibrate, quantize, write, evaluate, report.
 * Stages are listed here in order, each timed; nothing is written to `output` unless every stage before
 * writing succeeded, and each file appears whole or not at all.
 */
export async function quantizeModel(opts: QuantizeOptions, hooks: RunHooks = {}): Promise<Report> {
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, f: () => Promise<T> | T): Promise<T> => {
    hooks.signal?.throwIfAborted();
    hooks.onProgress?.({ stage });
    const t0 = performance.now();
    const r = await f();
    timings[stage] = Math.round(performance.now() - t0);
    return r;
  };

  const inputFormat = formatOf(opts.input);
  const model = await timed('import', () => readModel(opts.input));
  const formats = opts.formats ?? (inputFormat === 'onnx' ? ['onnx', 'tflite'] : ['tflite']);
  if (opts.scheme !== 'none') {
    throw new InvalidOptionError('scheme', `'${opts.scheme}' is not available in this build yet; use --scheme none`);
  }
  prepareOutputDir(opts.output);
  const stem = path.basename(opts.input, path.extname(opts.input));
  const suffix = opts.scheme === 'none' ? 'float' : 'quant';
  const outputs: WrittenFile[] = [];
  await timed('write', async () => {
    for (const format of formats) {
      const file = path.join(opts.output, `${stem}_${suffix}.${format}`);
      await writeModel(model, file);
      outputs.push({ format, path: file, bytes: fs.statSync(file).size });
    }
  });
  return {
    schemaVersion: 1,
    input: { path: opts.input, format: inputFormat, bytes: fs.statSync(opts.input).size },
    settings: opts,
    outputs,
    timingsMs: timings,
    warnings: [],
  };
}

function prepareOutputDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InvalidOptionError('output', `cannot create folder '${dir}' (${code}); choose a writable path`);
  }
  if (!fs.statSync(dir).isDirectory()) {
    throw new InvalidOptionError('output', `'${dir}' is a file, not a folder`);
  }
}

export { ModelQuantError };
