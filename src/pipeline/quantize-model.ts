import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, ModelFormatError } from '../errors.js';
import type { Model } from '../ir/graph.js';
import { UnknownTensorTypeError } from '../formats/tflite/export.js';
import { formatOf, modelBytes, readModel } from '../model-io.js';
import { withNodeNames } from '../passes/name-nodes.js';
import { flagRecord } from '../options.js';
import { optimize } from '../passes/optimize.js';
import { firstSamples, plainInputShapes, planData, type DataPlan } from './data.js';
import { checkGate, type Gate } from './gate.js';
import { checkConversion, evaluate, releaseWeights, floorJudge, type Quantized } from './evaluate-files.js';
import { writeOutputs } from './outputs.js';
import { precisionCost } from './precision-cost.js';
import {
  keptBecause,
  mixedPrecisionStage,
  precisionTargetOf,
  type CalibrationHooks,
} from './precision-stage.js';
import { quantizes, type QuantizingRun, type RunSettings } from './settings.js';
import { denseEarlyNodes, denseLaterNodes } from '../quant/dense-int16.js';
import { NO_INT16_KERNEL } from '../quant/int16.js';
import { quantizeFloatModel } from '../quant/quantize.js';
import { quantizeTfliteModel } from '../quant/tflite/index.js';
import { getLiteRt } from '../runtime/litert-wasm.js';
import { HELP_AFTER_MS, TfliteWorkers, type LaneSpec } from '../eval/remote-tflite.js';
import { IN_MEMORY_MODEL } from '../runtime/ort.js';
import { reportJson } from '../report/json.js';
import { reportMarkdown } from '../report/markdown.js';
import { layerChartSvg } from '../report/svg.js';
import type { Report, WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { stopwatch } from '../util/timing.js';
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
    const lap = stopwatch('stage');
    const r = await namingInput(opts.input, stage, f, !opts.calibData);
    timings[stage] = Math.round(performance.now() - t0);
    lap(stage);
    return r;
  };
  const inputFormat = formatOf(opts.input);
  const flagWarnings = [...(inputFormat === 'tflite' ? tfliteInputFlags(opts) : []), ...pow2OnlyFlags(opts)];
  if (opts.int16?.length && opts.onnxFormat === 'qoperator')
    throw new InvalidOptionError('int16', 'the QOperator .onnx has no int16 form; use --onnx_format qdq');
  prepareOutputDir(opts.output);
  const externalFiles = new Set<string>();
  // Every node named: options and the report pick nodes by name (nameNodes).
  const imported = await timed('import', async () =>
    withNodeNames(await readModel(opts.input, externalFiles)),
  );
  const optimized = opts.optimize ? await timed('optimize', () => optimize(imported)) : undefined;
  const model = optimized?.model ?? imported;
  // int16 is written for ONNX inputs, in QDQ only (the same limits as --int16's, a default here).
  const denseInt16 = opts.denseInt16 !== false && inputFormat === 'onnx' && opts.onnxFormat === 'qdq';
  const run = quantizes(opts) ? { ...opts, denseInt16 } : undefined;
  const data = run && (await planData(model, run));
  // The shapes the .tflite takes: the data's (see planData), else --input_shape and the model's (asked
  // only when an ONNX model is converted: a float .onnx copy keeps its dynamic dims).
  const converted = inputFormat === 'onnx' && (opts.formats ?? ['tflite']).includes('tflite');
  // --scheme none: the samples its float files are checked on (checkConversion): --eval_data's, else the
  // first 16 --calib_data files, else 16 synthetic ones. A float .onnx alone of a model with dynamic dims
  // and neither data nor --input_shape is written unchecked (the report says so), as before.
  const conversion = run ? undefined : await conversionData(model, opts, converted, flagWarnings);
  const checked =
    conversion &&
    (opts.evalData || !opts.calibData
      ? conversion.evaluation
      : firstSamples(conversion.calibration, CONVERSION_SAMPLES));
  const inputShapes =
    (data ?? (opts.calibData ? conversion : undefined))?.inputShapes ??
    (converted ? plainInputShapes(model, opts) : new Map());
  // Evaluating the .tflite needs LiteRT, whose WASM compiles off the main thread: start it now, so that
  // it overlaps calibration (which mostly waits on ONNX Runtime). A failure surfaces again where it is used.
  // Where a second core is there, the .tflite is evaluated on worker threads (remote-tflite.ts), started
  // now for the same reason: LiteRT and the integer executor load while calibration runs.
  const tfliteWanted = (opts.formats ?? ['tflite']).includes('tflite');
  const evaluated = !!data && inputFormat === 'onnx' && tfliteWanted;
  // With a helper for LiteRT once ONNX Runtime is done (TfliteWorkers.start): PP-OCRv4 det affine's
  // 16x8 layers run in LiteRT's reference kernels, about 1.2 s a page, and outlast the .onnx's pass.
  const workers = evaluated
    ? TfliteWorkers.start(evaluationLanes(opts), { afterMs: HELP_AFTER_MS })
    : undefined;
  if (evaluated && !workers) void getLiteRt().catch(() => undefined);
  try {
    const target = run ? precisionTargetOf(run) : undefined;
    const variant = (exclude: string[], c: CalibrationHooks, int16: string[] = []) =>
      quantize(model, { ...run!, exclude, int16: [...(run!.int16 ?? []), ...int16] }, data!, hooks, c);
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
          { ...opts, exclude: [...(searched?.exclude ?? opts.exclude), ...int16Fallbacks(quant)] },
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
      const inputBytes = modelBytes(opts.input, externalFiles);
      for (const o of produced.files) o.ratio = o.bytes / inputBytes;
      // pow2 floor: the files' biases also cancel mean shifts; per-layer errors read that graph too.
      const fromFiles = quant && produced.model ? { ...quant, model: produced.model } : quant;
      const evaluation =
        fromFiles && run && data
          ? await timed('evaluate', () =>
              evaluate(
                model,
                fromFiles,
                produced,
                data,
                run,
                hooks,
                () => releaseWeights([imported, model, quant?.floatReference]),
                workers,
              ),
            )
          : undefined;
      if (checked) await timed('evaluate', () => checkConversion(imported, produced, checked, opts, hooks));
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
        evaluation: data
          ? { source: data.evaluationSource, samples: data.evaluation.count }
          : checked && {
              source: checked.kind === 'synthetic' ? 'synthetic' : 'data',
              samples: checked.count,
            },
        inputScales: quant?.inputScales,
        outputs: produced.files,
        device: evaluation?.device,
        accuracy: evaluation?.accuracy,
        mixedPrecision: searched?.report,
        int16: quant?.int16?.length ? quant.int16 : undefined,
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
  } finally {
    await workers?.close();
  }
}

/**
 * The .tflite's worker lanes (see evaluate-files.ts' tflitePasses): LiteRT in one; under pow2 the device
 * and the truncating device, one after the other, in a second that starts once LiteRT's is done and its
 * worker gone: LiteRT's WASM heap (about 150 MB at PP-OCRv4 det 640x640) is never given back while its
 * worker lives, and the device passes come after it. PP-OCRv4 det pow2 640x640 (40 rendered pages), the
 * whole run's peak RSS: all three in one worker 799 MB (887-893 before the integer executor shared its
 * scratch), LiteRT's worker retired 753-828 MB, its peak now in the .onnx's pass (ONNX Runtime beside
 * LiteRT), no longer in the device's. The device and the truncating device side by side in two workers
 * (the main thread idles through the device passes) measured 910-937 MB: each worker thread's malloc
 * arena keeps what it freed (with MALLOC_ARENA_MAX=2, 780 MB), and a third worker outgrew the saving.
 * Where an executor's values on the file take at most AHEAD_BYTES (PP-OCRv4 rec, det at 640x640 since the
 * executor's memory cut, the examples), the second
 * lane starts as soon as LiteRT's candidate has opened (remote-tflite.ts), and the truncating device runs
 * in LiteRT's lane after it (evaluate-files.ts tflitePasses): what the executors hold is small beside
 * LiteRT's heap, and the device's passes then run while ONNX Runtime and LiteRT do and beside each other,
 * rather than alone after them on one core with the main thread waiting (PP-OCRv4 rec pow2, 40 rendered
 * lines, 2 cores: evaluate stage 3.59-3.67 s -> 2.59-2.91 s wall, CPU and figures unchanged).
 */
export function evaluationLanes(o: Pick<RunSettings, 'scheme'>): LaneSpec[] {
  return o.scheme === 'pow2'
    ? [
        { litert: true, retire: true },
        { litert: false, after: 0 },
      ]
    : [{ litert: true }];
}

/** Ops --int16 named that have no 16x8 kernel: float in the .onnx, so kept float by the converter too. */
const int16Fallbacks = (q: Quantized | undefined): string[] =>
  (q?.float ?? []).filter((f) => f.why === NO_INT16_KERNEL).map((f) => f.node);

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
  if (o.int16?.length)
    throw new InvalidOptionError(
      'int16',
      'int16 activations are written for ONNX inputs (QDQ and its TFLite conversion); for a .tflite input use --exclude to keep ops in float',
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
 * Flags that only shape the pow2 scheme's arithmetic, given away from their defaults under another
 * scheme: a report warning naming each, since the run goes on and its files are what the scheme writes
 * (a workflow may switch --scheme and keep its other flags), but the user should not believe, say, that
 * an affine file was made for truncating hardware.
 */
function pow2OnlyFlags(o: RunSettings): string[] {
  if (o.scheme === 'pow2') return [];
  const given = [
    o.rounding === 'floor' && '--rounding floor',
    o.biasMode === 'B8' && '--bias_mode B8',
    o.pow2Exponents && o.pow2Exponents !== 'sum-inputs' && `--activation_exponents ${o.pow2Exponents}`,
    o.pow2WeightExponents &&
      o.pow2WeightExponents !== 'range' &&
      `--weight_exponents ${o.pow2WeightExponents}`,
  ].filter((f): f is string => typeof f === 'string');
  return given.map((f) => `${f} applies to --scheme pow2 only; the ${o.scheme} run ignored it`);
}

/**
 * A runtime refusing a graph the pipeline built in memory (calibration's, the float reference's) names the
 * input file it was built from, so that the error says which file to look at. So does a tensor the TFLite
 * exporter cannot type (a damaged or dynamic shape signature in the input; found by the fuzz run).
 */
async function namingInput<T>(
  input: string,
  stage: string,
  f: () => T | Promise<T>,
  synthetic: boolean,
): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UnknownTensorTypeError)
      throw new ModelFormatError(
        input,
        `tensor '${e.value}' has no shape or type the model fixes (at ${stage}); re-export the model with static shapes`,
      );
    if (!(e instanceof ModelFormatError) || e.file !== IN_MEMORY_MODEL) throw e;
    const what = e.message.slice(IN_MEMORY_MODEL.length + 2);
    // Without --calib_data every input is random: a model that only takes some values of an input (silero
    // VAD's sample rate picks an If branch sized for one window length) fails inside the runtime.
    const hint =
      synthetic && /fails running/.test(what)
        ? '; its samples were random (no --calib_data): if an input takes only some values, give --calib_data with real inputs'
        : '';
    throw new ModelFormatError(input, `${what} (the graph built from it to ${stage}${hint})`);
  }
}

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
    onBiasPass: (pass: number, settled: number, total: number) =>
      hooks.onProgress?.({ stage: `bias correction (pass ${pass}, layers settled)`, done: settled, total }),
  };
  if (model.format === 'tflite') return quantizeTfliteModel(model, s, data.calibration, h);
  const early = s.scheme === 'affine' && s.denseInt16 ? denseEarlyNodes(model.graph, data.inputShapes) : [];
  // pow2 B16: the same stages' range-chosen grids one finer (QuantSettings.pow2Finer; README).
  const finer =
    s.scheme === 'pow2' && s.biasMode === 'B16' && s.denseFiner
      ? denseEarlyNodes(model.graph, data.inputShapes)
      : [];
  // And every later node's grid one finer than its range (QuantSettings.pow2FinerLate; README).
  const settings = early.length
    ? { ...s, int16: [...(s.int16 ?? []), ...early] }
    : finer.length
      ? { ...s, pow2Finer: finer, pow2FinerLate: denseLaterNodes(model.graph, finer) }
      : s;
  return quantizeFloatModel(model, settings, data.calibration, h);
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

/** Samples --scheme none's float files are checked on when they come from --calib_data. */
const CONVERSION_SAMPLES = 16;

/** planData for --scheme none; undefined (with a warning) where only a float .onnx needs no shapes. */
async function conversionData(
  model: Model,
  opts: RunSettings,
  converted: boolean,
  warnings: string[],
): Promise<DataPlan | undefined> {
  try {
    return await planData(model, opts);
  } catch (e) {
    if (converted || !(e instanceof InvalidOptionError) || e.flag !== 'input_shape') throw e;
    warnings.push(`the float .onnx is not checked against the input model: ${e.message}`);
    return undefined;
  }
}
