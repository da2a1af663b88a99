import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, ModelQuantError } from './errors.js';
import { formatOf, readModel, writeModel, type ModelFormat } from './model-io.js';
import type { OutputFormat, QuantizeOptions } from './options.js';
import type { Model } from './ir/graph.js';
import { evaluateOnnx } from './eval/evaluate.js';
import { optimize, type OptimizeReport } from './passes/optimize.js';
import type { OutputMetrics } from './eval/metrics.js';
import type { FloatOp } from './quant/assign.js';
import type { SampleSource } from './quant/calibrate.js';
import { quantizeFloatModel, type QuantResult, type QuantSettings } from './quant/quantize.js';
import { concreteInputShapes, fileSamples, listSampleFiles, syntheticSamples } from './quant/samples.js';

export interface WrittenFile {
  format: OutputFormat;
  path: string;
  bytes: number;
  runtime?: string;
  /** Per model output: float vs this file. */
  metrics?: Record<string, OutputMetrics>;
}

export interface Report {
  schemaVersion: 1;
  input: { path: string; format: ModelFormat; bytes: number };
  settings: QuantizeOptions;
  outputs: WrittenFile[];
  optimizer?: OptimizeReport;
  calibration?: { source: 'data' | 'synthetic'; samples: number; method: string };
  inputScales?: Record<string, number>;
  float: FloatOp[];
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
  const imported = await timed('import', () => readModel(opts.input));
  const optimized = opts.optimize ? await timed('optimize', () => optimize(imported)) : undefined;
  const model = optimized?.model ?? imported;
  // TFLite output arrives with the conversion issue; until then an ONNX input gives the quantized ONNX.
  const formats = opts.formats ?? (inputFormat === 'onnx' ? ['onnx'] : ['tflite']);
  let out = model;
  let quant: QuantResult | undefined;
  let source: SampleSource | undefined;
  if (opts.scheme !== 'none') {
    source = sampleSource(model, opts);
    const total = source.count;
    quant = await timed('quantize', () =>
      quantizeFloatModel(model, settingsOf(opts), source!, {
        signal: hooks.signal,
        onSample: (pass, done) => hooks.onProgress?.({ stage: `calibrate (pass ${pass})`, done, total }),
      }),
    );
    out = quant.model;
  }
  prepareOutputDir(opts.output);
  const stem = path.basename(opts.input, path.extname(opts.input));
  const suffix = opts.scheme === 'none' ? 'float' : 'quant';
  const outputs: WrittenFile[] = [];
  await timed('write', async () => {
    for (const format of formats) {
      const file = path.join(opts.output, `${stem}_${suffix}.${format}`);
      await writeModel(out, file);
      outputs.push({ format, path: file, bytes: fs.statSync(file).size });
    }
  });
  if (quant && source) {
    for (const o of outputs.filter((x) => x.format === 'onnx')) {
      o.runtime = 'onnxruntime';
      o.metrics = await timed('evaluate', () => evaluateOnnx(model, o.path, source!));
    }
  }
  return {
    schemaVersion: 1,
    input: { path: opts.input, format: inputFormat, bytes: fs.statSync(opts.input).size },
    settings: opts,
    outputs,
    calibration: source
      ? { source: source.kind, samples: source.count, method: opts.calib_method }
      : undefined,
    inputScales: quant?.inputScales,
    float: quant?.float ?? [],
    timingsMs: timings,
    warnings:
      source?.kind === 'synthetic' ? ['no --calib_data: ranges come from synthetic inputs (data-free)'] : [],
  };
}

function settingsOf(o: QuantizeOptions): QuantSettings {
  return {
    scheme: o.scheme as 'pow2' | 'affine',
    inputScale: o.input_scale,
    biasMode: o.bias_mode,
    perChannel: o.per_channel,
    calibMethod: o.calib_method,
    percentile: o.percentile,
    exclude: o.exclude,
  };
}

function sampleSource(model: Model, o: QuantizeOptions): SampleSource {
  const inputs = model.graph.runtimeInputs();
  if (o.calib_data) return fileSamples(listSampleFiles(o.calib_data).slice(0, o.calib_samples), inputs);
  const shapes = concreteInputShapes(model.graph, o.input_shape);
  const scales = new Map<string, number>();
  if (o.input_scale?.kind === 'all') for (const i of inputs) scales.set(i.name, 1 / o.input_scale.value);
  if (o.input_scale?.kind === 'named') for (const [k, v] of o.input_scale.values) scales.set(k, 1 / v);
  return syntheticSamples(model.graph, o.calib_samples, shapes, scales);
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
