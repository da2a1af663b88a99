import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, ModelFormatError, UnsupportedOpError } from '../errors.js';
import {
  compareOutputs,
  layerErrors,
  ortCandidates,
  ortReference,
  type Candidate,
  type Comparison,
  type Evaluation,
  type Reference,
} from '../eval/evaluate.js';
import { tfliteCandidate, tfliteReference } from '../eval/evaluate-tflite.js';
import type { Model } from '../ir/graph.js';
import type { OutputMetrics } from '../eval/metrics.js';
import { formatOf, readModel } from '../model-io.js';
import { flagRecord } from '../options.js';
import { optimize } from '../passes/optimize.js';
import { keepFirst, plainInputShapes, planData, type DataPlan } from './data.js';
import { checkGate, type Gate } from './gate.js';
import { writeOutputs, type FloorJudge, type Produced } from './outputs.js';
import { precisionCost } from './precision-cost.js';
import {
  keptBecause,
  mixedPrecisionStage,
  precisionTargetOf,
  type CalibrationHooks,
} from './precision-stage.js';
import { quantizes, type QuantizingRun, type RunSettings } from './settings.js';
import { quantizeFloatModel, type QuantResult } from '../quant/quantize.js';
import type { QParams } from '../quant/params.js';
import { quantizeTfliteModel } from '../quant/tflite/index.js';
import { KernelError } from '../runtime/integer/kernels/common/params.js';
import { getLiteRt } from '../runtime/litert-wasm.js';
import { IN_MEMORY_MODEL } from '../runtime/ort.js';
import { reportJson } from '../report/json.js';
import { reportMarkdown } from '../report/markdown.js';
import { layerChartSvg } from '../report/svg.js';
import type { Report, WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { VERSION } from '../version.js';

export type { Report, RunSettings, WrittenFile };

export interface ProgressEvent {
  stage: string;
  done?: number;
  total?: number;
}

export interface RunHooks {
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  report: Report;
  gate?: Gate;
  /** The Markdown table (also written as <stem>_report.md). */
  markdown: string;
}

type Timed = <T>(stage: string, f: () => Promise<T> | T) => Promise<T>;

/**
 * The one library call both faces use. Stages, in order: import, optimize, quantize (calibration inside),
 * write, evaluate, report. Nothing is written before quantization has succeeded, every file appears whole
 * or not at all, and on any failure (or an abort) the files this run wrote are removed again.
 */
export async function quantizeModel(opts: RunSettings, hooks: RunHooks = {}): Promise<RunResult> {
  const timings: Record<string, number> = {};
  const timed: Timed = async (stage, f) => {
    hooks.signal?.throwIfAborted();
    hooks.onProgress?.({ stage });
    const t0 = performance.now();
    const r = await namingInput(opts.input, stage, f);
    timings[stage] = Math.round(performance.now() - t0);
    return r;
  };
  const inputFormat = formatOf(opts.input);
  const flagWarnings = inputFormat === 'tflite' ? tfliteInputFlags(opts) : [];
  prepareOutputDir(opts.output);
  const imported = await timed('import', () => readModel(opts.input));
  const optimized = opts.optimize ? await timed('optimize', () => optimize(imported)) : undefined;
  const model = optimized?.model ?? imported;
  const run = quantizes(opts) ? opts : undefined;
  const data = run && (await planData(model, run));
  // The shapes the .tflite takes: the data's (see planData), else --input_shape and the model's (asked
  // only when an ONNX model is converted: a float .onnx copy keeps its dynamic dims).
  const converted = inputFormat === 'onnx' && (opts.formats ?? ['tflite']).includes('tflite');
  const inputShapes = data?.inputShapes ?? (converted ? plainInputShapes(model, opts) : new Map());
  // Evaluating the .tflite needs LiteRT, whose WASM compiles off the main thread: start it now, so that
  // it overlaps calibration (which mostly waits on ONNX Runtime). A failure surfaces again where it is used.
  const tfliteWanted = (opts.formats ?? ['tflite']).includes('tflite') && opts.ioType === 'float';
  if (data && inputFormat === 'onnx' && tfliteWanted) void getLiteRt().catch(() => undefined);
  const target = run ? precisionTargetOf(run) : undefined;
  const variant = (exclude: string[], c: CalibrationHooks) =>
    quantize(model, { ...run!, exclude }, data!, hooks, c);
  const searched =
    run && data && target
      ? await timed('mixed precision', () => mixedPrecisionStage(model, run, data, target, variant, hooks))
      : undefined;
  const quant = searched
    ? searched.quant
    : run && data
      ? await timed('quantize', () => quantize(model, run, data, hooks))
      : undefined;

  const stem = path.basename(opts.input, path.extname(opts.input));
  const written: string[] = [];
  try {
    const judge = quant && run && data ? floorJudge(quant.floatReference ?? model, data, run) : undefined;
    const produced = await timed('write', () =>
      writeOutputs(
        inputFormat,
        quant?.model ?? model,
        searched ? { ...opts, exclude: searched.exclude } : opts,
        inputShapes,
        stem,
        written,
        judge,
      ),
    );
    if (searched && data && searched.report.kept.length) {
      const { base, report } = searched;
      report.cost = await timed('mixed precision cost', () =>
        precisionCost(inputFormat, base.model, produced, opts, inputShapes, data.evaluation),
      );
    }
    const inputBytes = fs.statSync(opts.input).size;
    for (const o of produced.files) o.ratio = o.bytes / inputBytes;
    // pow2 floor: the files' biases also cancel mean shifts; per-layer errors read that graph too.
    const fromFiles = quant && produced.model ? { ...quant, model: produced.model } : quant;
    const evaluation =
      fromFiles && run && data
        ? await timed('evaluate', () => evaluate(model, fromFiles, produced, data, run, hooks))
        : undefined;
    const report: Report = {
      schemaVersion: 1,
      tool: { name: 'model-quant', version: VERSION },
      input: { path: opts.input, format: inputFormat, bytes: inputBytes },
      settings: flagRecord(opts),
      optimizer: optimized?.report,
      equalization: quant?.equalization,
      biasCorrection: quant?.biasCorrection,
      conversion: produced.conversion,
      floorCorrections: produced.floorCorrections,
      calibration: data && {
        source: data.calibration.kind,
        samples: data.calibration.count,
        method: opts.calibMethod,
      },
      evaluation: data && { source: data.evaluationSource, samples: data.evaluation.count },
      inputScales: quant?.inputScales,
      outputs: produced.files,
      device: evaluation?.device,
      accuracy: evaluation?.accuracy,
      mixedPrecision: searched?.report,
      layers: evaluation?.layers ?? [],
      float: searched
        ? keptBecause(searched.quant.float, opts.exclude, searched.exclude)
        : (quant?.float ?? []),
      timingsMs: timings,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      warnings: [
        ...flagWarnings,
        ...(data?.warnings ?? []),
        ...(searched?.warning ? [searched.warning] : []),
        ...produced.warnings,
      ],
    };
    const gate = opts.failOnDrop === undefined ? undefined : checkGate(report, opts.failOnDrop);
    const markdown = writeReports(report, quant?.model ?? model, opts.output, stem, written);
    return { report, gate, markdown };
  } catch (e) {
    for (const f of written) fs.rmSync(f, { force: true });
    throw e;
  }
}

/**
 * Flags that cannot apply to a .tflite input: a usage error where the user asked for something the run
 * cannot give (a QOperator .onnx, int8 file inputs), a report warning where the file is what was asked
 * anyway. Every other flag means for a .tflite what it means for an .onnx (one quantizer).
 */
function tfliteInputFlags(o: RunSettings): string[] {
  if (o.onnxFormat !== 'qdq')
    throw new InvalidOptionError(
      'onnx_format',
      'a .tflite input is written as TFLite only (no .onnx to shape); drop the flag',
    );
  if (o.ioType !== 'float')
    throw new InvalidOptionError(
      'io_type',
      "applies to ONNX inputs converted to TFLite; a .tflite input keeps its own inputs' and outputs' types (float)",
    );
  if (o.tfliteLayout === 'nhwc')
    return [
      '--tflite_layout nhwc applies to ONNX inputs; a .tflite input keeps its own layout (NHWC already)',
    ];
  return [];
}

/**
 * A runtime refusing a graph the pipeline built in memory (calibration's, the float reference's) names the
 * input file it was built from, so that the error says which file to look at.
 */
async function namingInput<T>(input: string, stage: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof ModelFormatError) || e.file !== IN_MEMORY_MODEL) throw e;
    const what = e.message.slice(IN_MEMORY_MODEL.length + 2);
    throw new ModelFormatError(input, `${what} (the graph built from it to ${stage})`);
  }
}

type Quantized = Pick<QuantResult, 'model' | 'float' | 'inputScales' | 'activations'> &
  Partial<Pick<QuantResult, 'floatReference' | 'equalization' | 'biasCorrection'>>;

/** ONNX inputs quantize to QDQ (from which the TFLite file is converted); TFLite inputs to int8 TFLite. */
function quantize(
  model: Model,
  s: QuantizingRun,
  data: DataPlan,
  hooks: RunHooks,
  calibration: CalibrationHooks = {},
): Promise<Quantized> {
  const h = {
    ...calibration,
    signal: hooks.signal,
    onSample: (pass: number, done: number, total: number) =>
      hooks.onProgress?.({ stage: `calibrate (pass ${pass})`, done, total }),
  };
  if (model.format === 'tflite') return quantizeTfliteModel(model, s, data.calibration, h);
  return quantizeFloatModel(model, s, data.calibration, h);
}

/**
 * Each written file against the float model, in its own runtime, in one pass over the evaluation samples
 * (the float model runs once per sample for all of them); per-layer errors from the QDQ graph.
 */
async function evaluate(
  model: Model,
  quant: Quantized,
  produced: Produced,
  data: DataPlan,
  o: QuantizingRun,
  hooks: RunHooks,
): Promise<(Partial<Evaluation> & { device?: Report['device'] }) | undefined> {
  const onnx = model.format === 'onnx' ? produced.files.find((f) => f.format === 'onnx') : undefined;
  const tflite = produced.files.find((f) => f.format === 'tflite');
  const tfliteBytes = tflite && o.ioType === 'float' ? produced.tflite : undefined;
  if (!onnx && !tfliteBytes) return undefined;
  // Per-layer errors compare with the float graph the quantizer worked on (equalization rescales
  // channels between paired convs, so the original's tensors are not their twins); the outputs are the
  // same as the input model's.
  const floatModel = quant.floatReference ?? model;
  // The per-layer pass reads the first samples again (one more than it uses, to know it is done).
  const samples = keepFirst(data.evaluation, LAYER_SAMPLES + 1);
  const candidates: Record<string, Candidate> = {};
  let reference: Reference | undefined;
  let comparison: Comparison;
  try {
    reference = model.format === 'tflite' ? await tfliteReference(model) : await ortReference(floatModel);
    if (onnx) Object.assign(candidates, await ortCandidates(onnx.path));
    if (tfliteBytes) {
      const layout = produced.nhwc ? new Set(produced.nhwc) : o.tfliteLayout;
      candidates.litert = await tfliteCandidate(tfliteBytes, layout, undefined, tflite?.path);
      if (o.scheme === 'pow2') {
        const target = { kind: 'device', rounding: o.rounding, biasMode: o.biasMode } as const;
        try {
          candidates.device = await tfliteCandidate(tfliteBytes, layout, target, tflite?.path);
          // Files for rounding targets, also run as truncating hardware would: if that loses, say so.
          if (o.rounding === 'nearest') {
            const truncating = { ...target, rounding: 'floor' } as const;
            candidates.truncating = await tfliteCandidate(tfliteBytes, layout, truncating, tflite?.path);
          }
        } catch (e) {
          // An op the fixed-point device has no kernel for (a float custom op, a resize), or one kept in
          // float (--exclude, mixed precision: the device computes in integers only), costs the report
          // its device figures, not the run its files.
          // A KernelError is the same: no kernel for what this (possibly damaged) model feeds an op.
          if (!(e instanceof UnsupportedOpError || e instanceof KernelError)) throw e;
          produced.warnings.push(`no device (integer executor) figures: ${e.message}`);
        }
      }
    }
    comparison = await compareOutputs(reference, candidates, samples, {
      labels: data.labels,
      // Files for truncating hardware are scored where they ship: the device's arithmetic.
      labelled: candidates.device && o.rounding === 'floor' ? 'device' : 'onnx',
      signal: hooks.signal,
      onSample: (done, total) => hooks.onProgress?.({ stage: 'evaluate', done, total }),
    });
  } finally {
    await reference?.close();
    for (const c of Object.values(candidates)) await c.close();
  }
  const { metrics, accuracy } = comparison;
  const truncation = truncationWarning(metrics.device, metrics.truncating);
  if (truncation) produced.warnings.push(truncation);
  const flat = flatOutputsWarning(quant.activations, comparison.referenceRms, data.evaluationSource);
  if (flat) produced.warnings.push(flat);
  let evaluation: (Partial<Evaluation> & { device?: Report['device'] }) | undefined;
  if (onnx) {
    const layers = await layerErrors(floatModel, quant.model, samples, LAYER_SAMPLES, hooks.signal);
    evaluation = { metrics: metrics.onnx!, layers, accuracy };
    if (metrics.native) evaluation.nativeKernels = metrics.native;
    onnx.runtime = 'onnxruntime';
    onnx.target = fileTarget('ONNX Runtime', o);
    onnx.metrics = metrics.onnx;
    const saturated = saturationWarning(evaluation as Evaluation);
    if (saturated) produced.warnings.push(saturated);
  }
  if (tflite && tfliteBytes) {
    tflite.runtime = 'litert';
    tflite.target = fileTarget('LiteRT', o);
    tflite.metrics = metrics.litert;
    if (metrics.device) {
      const target =
        `the .tflite in the original hardware's fixed-point arithmetic (integer executor, ${o.biasMode}, ` +
        (o.rounding === 'floor' ? 'truncating shifts)' : 'shifts rounded half up)');
      const device = { runtime: 'integer', rounding: o.rounding, biasMode: o.biasMode, target } as const;
      evaluation = { ...evaluation, device: { ...device, metrics: metrics.device } };
    }
  }
  return evaluation;
}

/** Calibration samples a floor judge runs (the device executor is the slow part). */
const JUDGE_SAMPLES = 32;

/**
 * pow2 --rounding floor: candidate .tflite files scored as the device (truncating shifts) against the float
 * model on the calibration samples (never the evaluation ones, which the report's figures come from).
 */
function floorJudge(floatModel: Model, data: DataPlan, o: QuantizingRun): FloorJudge {
  return async (files, nhwc) => {
    const reference = await ortReference(floatModel);
    const target = { kind: 'device', rounding: 'floor', biasMode: o.biasMode } as const;
    const candidates: Record<string, Candidate> = {};
    try {
      for (const [i, bytes] of files.entries())
        candidates[i] = await tfliteCandidate(bytes, new Set(nhwc), target);
      const { metrics } = await compareOutputs(reference, candidates, firstSamples(data.calibration));
      return files.map((_, i) => Math.min(...Object.values(metrics[i]!).map((m) => m.sqnrDb)));
    } finally {
      await reference.close();
      for (const c of Object.values(candidates)) await c.close();
    }
  };
}

function firstSamples(source: DataPlan['calibration']): DataPlan['calibration'] {
  return {
    count: Math.min(source.count, JUDGE_SAMPLES),
    kind: source.kind,
    async *samples() {
      let i = 0;
      for await (const feeds of source.samples()) {
        if (i++ >= JUDGE_SAMPLES) return;
        yield feeds;
      }
    },
  };
}

/**
 * What a file's row measures. pow2 files made for truncating hardware (--rounding floor) carry its
 * rounding offset in their biases, which a runtime that rounds adds on top of its own rounding.
 */
function fileTarget(runtime: string, o: QuantizingRun): string {
  const own = `the file in ${runtime}, which rounds to nearest`;
  return o.scheme === 'pow2' && o.rounding === 'floor'
    ? `${own}; its biases carry the rounding offset truncating hardware needs (--rounding floor), so this row is not the device's figure`
    : own;
}

/**
 * Names the outputs whose float values stay within one int8 step of zero over the evaluation inputs (RMS
 * below the output's step): int8 cannot tell them from 0, so their SQNR and cosine say nothing. PP-OCR det
 * and MediaPipe's selfie segmentation on synthetic noise (no text, no person: a mask of ~0) are such.
 */
function flatOutputsWarning(
  params: ReadonlyMap<string, QParams>,
  rms: Record<string, number>,
  source: string | undefined,
): string | undefined {
  const flat = Object.entries(rms).flatMap(([name, r]) => {
    const scale = params.get(name)?.scale;
    const step = scale?.length === 1 ? scale[0]! : undefined;
    return step !== undefined && r < step
      ? [`${name} (RMS ${r.toPrecision(2)}, step ${step.toPrecision(2)})`]
      : [];
  });
  if (!flat.length) return undefined;
  const inputs = source === 'synthetic' ? 'the synthetic evaluation inputs' : 'the evaluation inputs';
  return (
    `the float model's output stays within one int8 step of 0 on ${inputs}: ${flat.join(', ')}; ` +
    `its SQNR and cosine say nothing there. Evaluate on inputs the model responds to (--eval_data)`
  );
}

/**
 * pow2 files for rounding targets (--rounding nearest) on hardware whose shifts truncate (the original
 * tool's): each shift loses half a step on average and the losses add up. Named when the worst output
 * loses more than 1 dB there, with the flag that writes files for such hardware.
 */
function truncationWarning(
  device: Record<string, OutputMetrics> | undefined,
  truncating: Record<string, OutputMetrics> | undefined,
): string | undefined {
  if (!device || !truncating) return undefined;
  const worst = (m: Record<string, OutputMetrics>) => Math.min(...Object.values(m).map((x) => x.sqnrDb));
  const [rounded, truncated] = [worst(device), worst(truncating)];
  if (!(rounded - truncated > 1)) return undefined;
  return (
    `on hardware whose shifts truncate (the original tool's), these files give ${truncated.toFixed(1)} dB ` +
    `instead of the device row's ${rounded.toFixed(1)} dB: --rounding floor writes files whose biases ` +
    `carry the rounding such hardware lacks`
  );
}

/** Per-layer errors use at most this many evaluation samples (fewer once the figures settle). */
const LAYER_SAMPLES = 4;

/** Names the outputs whose SQNR ORT's fused int8 kernels on this CPU lower by more than 1 dB. */
function saturationWarning(e: Evaluation): string | undefined {
  const worse = Object.entries(e.nativeKernels ?? {}).filter(
    ([name, m]) => (e.metrics[name]?.sqnrDb ?? -Infinity) - m.sqnrDb > 1,
  );
  if (!worse.length) return undefined;
  const figures = worse
    .map(
      ([name, m]) => `${name} ${m.sqnrDb.toFixed(1)} dB instead of ${e.metrics[name]!.sqnrDb.toFixed(1)} dB`,
    )
    .join(', ');
  return (
    `ONNX Runtime's native int8 kernels on this CPU (x86-64 without VNNI) saturate int16 sums of ` +
    `u8 x s8 products and lose accuracy on this model: ${figures}. The .onnx figures above are exact ` +
    `integer arithmetic, as on ARM, VNNI x86 and TFLite; if you deploy with ONNX Runtime on such CPUs, ` +
    `measure there or --exclude the layers that suffer`
  );
}

function writeReports(r: Report, m: Model, dir: string, stem: string, written: string[]): string {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, text));
    written.push(file);
  };
  let chart: string | undefined;
  if (r.layers.length) {
    chart = `${stem}_layers.svg`;
    write(
      chart,
      layerChartSvg(
        r.layers,
        m.graph.nodes.flatMap((n) => n.outputs),
      ),
    );
  }
  const markdown = reportMarkdown(r, chart);
  write(`${stem}_report.json`, reportJson(r));
  write(`${stem}_report.md`, markdown);
  return markdown;
}

function prepareOutputDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InvalidOptionError('output', `cannot create folder '${dir}' (${code}); choose a writable path`);
  }
  if (!fs.statSync(dir).isDirectory())
    throw new InvalidOptionError('output', `'${dir}' is a file, not a folder`);
}
