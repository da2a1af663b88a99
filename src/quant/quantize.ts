import { indexGraph, opsetVersion, type Graph, type Model, type Node } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import type { QuantScheme } from '../ir/qparams.js';
import { InvalidOptionError } from '../errors.js';
import { clipMaximaTensors, equalizeGraph, type EqualizeReport } from '../passes/equalize.js';
import { upgradeOpset } from '../passes/upgrade-opset.js';
import { shareConstants } from '../passes/share-constants.js';
import { splitHardSwishPass } from '../passes/split-hardswish.js';
import { assignActivationParams, planQuantization, type FloatOp, type QuantPlan } from './assign.js';
import {
  correctBiases,
  correctableLayers,
  correctFromTwins,
  correctWeightRounding,
  weightRoundingTwins,
  type BiasCorrectionReport,
} from './bias-correction.js';
import { measureBiases, type MeasuredBiasOptions } from './bias-measured.js';
import { chainShifts, measureChainShifts } from './bias-chain.js';
import { calibrateStats, type CalibrationOptions, type SampleSource } from './calibrate.js';
import { elementTypes } from './dtypes.js';
import type { CalibMethod, Range } from './observers.js';
import { perTensor, type BiasMode, type Magnitudes, type QParams, type ShiftRounding } from './params.js';
import { stopwatch } from '../util/timing.js';
import { hasInt16, int16Nodes, NO_INT16_KERNEL, widenToInt16 } from './int16.js';
import { insertQdq, quantizeAllWeights, type WeightSettings } from './qdq.js';
import { clampToSaturation } from './saturation.js';
import { meanCounts, tieFreeWeights } from './tie-free.js';
import {
  allNamesDeep,
  branchCalibrationTensors,
  constantsAsInitializers,
  exposeBranchValues,
  quantizeBranches,
} from './subgraphs.js';

export type Pow2Exponents = 'range' | 'error' | 'conv-inputs' | 'sum-inputs';

export type InputScale =
  { kind: 'all'; value: number } | { kind: 'named'; values: Map<string, number> } | { kind: 'auto' };

export interface QuantSettings {
  scheme: 'pow2' | 'affine';
  inputScale?: InputScale;
  biasMode: BiasMode;
  perChannel: boolean;
  calibMethod: CalibMethod;
  percentile: number;
  exclude: string[];
  /**
   * Node names or op types run with int16 activations (affine only; src/quant/int16.ts). Those without
   * TFLite 16x8 kernels stay float.
   */
  int16?: string[];
  /** Cross-layer equalization of Conv -> (ReLU) -> Conv pairs before calibration (default false). */
  equalize?: boolean;
  /**
   * Bias correction of Conv/Gemm biases (default false): true for the mean shift weight rounding causes
   * (bias-correction.ts, one pass over the samples); 'measured' for the whole mean shift of each layer's
   * output against the float model, layer after layer (bias-measured.ts, ONNX inputs only); 'chain' for
   * the shift of each layer's weights and of the activations since the layers before it (bias-chain.ts,
   * one pass after calibration, ONNX inputs only).
   */
  biasCorrection?: boolean | 'measured' | 'chain';
  /**
   * pow2: how the target's right shifts round. 'floor' (the original hardware) folds the rounding offset
   * into the biases; default 'nearest' (biases as the float model's).
   */
  rounding?: ShiftRounding;
  /**
   * pow2: how activation exponents are chosen (`pow2ScaleByError`): 'range' keeps the one the calibrated
   * range gives; 'error' takes the one of least histogram error for every activation; 'conv-inputs'
   * for the tensors read only as a Conv's data input under B16, by range elsewhere and under B8;
   * 'sum-inputs' (default) as 'conv-inputs' and also for a tensor some sum reads (see byError).
   */
  pow2Exponents?: Pow2Exponents;
  /** pow2: weight exponents per channel by range (default) or by error (pow2ChannelScalesByError). */
  pow2WeightExponents?: 'range' | 'error';
  /**
   * pow2 B16: node names whose output activations, where their exponent is taken by range (not by
   * histogram error), take the grid one finer than the range gives (`finerByRange`; the CLI passes a
   * per-pixel model's early stages, src/quant/dense-int16.ts, under --dense_finer).
   */
  pow2Finer?: string[];
  /**
   * pow2 B16: node names whose output activations take the grid one finer than their range gives, in
   * place of the one their exponent rule picks (by error or by range; `finerThanRange`). The CLI passes
   * the nodes of a per-pixel model past its early stages under --dense_finer.
   */
  pow2FinerLate?: string[];
}

/** What weight quantization reads of the settings (qdq.ts quantizeAllWeights), for both front ends. */
export function weightSettingsOf(s: QuantSettings): WeightSettings {
  return {
    scheme: s.scheme,
    perChannel: s.perChannel,
    biasMode: s.biasMode,
    rounding: s.rounding,
    weightExponents: s.pow2WeightExponents,
  };
}

/** The scheme facts a quantized model carries (`Model.quantScheme`) for these settings. */
export function quantSchemeOf(s: QuantSettings): QuantScheme {
  return s.scheme === 'pow2'
    ? { scheme: 'pow2', biasMode: s.biasMode, rounding: s.rounding ?? 'nearest' }
    : { scheme: 'affine' };
}

/**
 * Progress and cancellation, passed through to calibration. `calibrate` stands in for calibrateStats
 * (same contract): a search that quantizes one model many times with different exclude lists passes a
 * memo of it (src/quant/calibration-memo.ts), since each tensor's statistics do not depend on the others.
 */
export type QuantHooks = Pick<CalibrationOptions, 'onSample' | 'signal'> & {
  calibrate?: typeof calibrateStats;
  /** --bias_correction measured: after each pass over the samples, layers settled of all. */
  onBiasPass?: MeasuredBiasOptions['onPass'];
};

export interface QuantResult {
  model: Model;
  /** Parameters of every quantized activation and weight, by tensor name in the float graph. */
  activations: Map<string, QParams>;
  weights: Map<string, QParams>;
  ranges: Map<string, Range>;
  float: FloatOp[];
  /** Nodes run with int16 activations (--int16, mixed precision), by name. */
  int16?: { node: string; op: string }[];
  /** input_scale actually used per float input (pow2), after `auto`. */
  inputScales: Record<string, number>;
  /**
   * The float model the QDQ graph was made from: the input after equalization, same outputs. Per-layer
   * comparisons need it: equalization rescales the channels of tensors between equalized convs.
   */
  floatReference: Model;
  /** What equalization and bias correction did, when on. */
  equalization?: EqualizeReport;
  biasCorrection?: BiasCorrectionReport;
}

/**
 * Quantizes an (optimized) float ONNX-semantics model: plan which nodes run int8, calibrate the tensors
 * they read and write, derive the scheme's parameters, and write QDQ. The result's graph is opset >= 13.
 */
export async function quantizeFloatModel(
  floatModel: Model,
  s: QuantSettings,
  source: SampleSource,
  hooks: QuantHooks = {},
): Promise<QuantResult> {
  const lap = stopwatch('quantize');
  const upgraded = (opsetVersion(floatModel) ?? 13) < 13 ? upgradeOpset(floatModel).model : floatModel;
  const constants = constantsAsInitializers(upgraded.graph);
  // HardSwish as Mul(x, HardSigmoid(x)), which LiteRT's int8 kernels compute as ORT does (its int8
  // HARD_SWISH does not: see split-hardswish.ts). pow2 too: there the kernel's 8-bit slope left PP-OCR
  // cls's two files 3% of a HardSwish's outputs apart, each a step, which the next blocks grew. An
  // --exclude'd HardSwish stays whole (and float).
  const floatGraph = splitHardSwishPass((n) => s.exclude.includes(n.name) || s.exclude.includes(n.opType))(
    constants,
    { opset: opsetVersion(upgraded) ?? 13, irVersion: upgraded.irVersion },
  ).graph;
  // --int16 naming a HardSwish names both halves it was split into.
  if (s.int16?.length) s = { ...s, int16: [...s.int16, ...splitHalves(constants, s.int16)] };
  const equalized = s.equalize
    ? await equalize({ ...upgraded, graph: floatGraph }, s, source, hooks)
    : undefined;
  const model = { ...upgraded, graph: equalized?.graph ?? floatGraph };
  lap(s.equalize ? 'prepare (opset, HardSwish, equalize)' : 'prepare (opset, HardSwish)');
  let g = model.graph;
  const types = elementTypes(g);
  const floatInputs = g
    .runtimeInputs()
    .filter((v) => types.get(v.name) === 'float32')
    .map((v) => v.name);
  checkNamedScales(
    s.inputScale,
    g.runtimeInputs().map((v) => v.name),
  );
  const exclude = [...s.exclude, ...withoutInt16(g, s)];
  const planSettings = {
    scheme: s.scheme,
    inputParams: new Map<string, QParams>(),
    baseInputScale: 1,
    exclude,
    histograms: undefined as Map<string, Magnitudes> | undefined,
  };
  let plan = planQuantization(g, types, planSettings);
  // Tensors inside If branches are observed through extra If outputs (see subgraphs.ts).
  const pass = { opset: opsetVersion(model) ?? 13, irVersion: model.irVersion };
  const inBranches = branchCalibrationTensors(g, planSettings, pass);
  const exposed = exposeBranchValues(g, new Set(inBranches));
  const topNames = topLevelNames(g);
  const toCalibrate = [
    ...new Set([
      ...plan.calibrate,
      ...floatInputs,
      ...inBranches.filter((n) => topNames.has(n)),
      ...exposed.alias.keys(),
    ]),
  ];
  const wSettings = weightSettingsOf(s);
  // Weights depend on nothing calibration finds (quantizeAllWeights): --bias_correction true measures its
  // weight-rounding shifts with twins run beside calibration's float model, in the same pass (det 640
  // affine: one run of the model over the samples and one session fewer). Not where branches are
  // quantized after calibration (their plan changes) or a memo stands in for calibration (mixed
  // precision: each variant would need its own twins); those measure in a pass of their own below.
  const alongside =
    s.biasCorrection === true && !inBranches.length && !exposed.alias.size && !hooks.calibrate;
  const early = alongside ? quantizeAllWeights(g, plan, wSettings) : undefined;
  const twins = early && weightRoundingTwins(model, g, plan, early);
  const calibrationModel = twins
    ? twins.model
    : exposed.alias.size
      ? { ...model, graph: exposed.graph }
      : model;
  const stats = hooks.calibrate ?? calibrateStats;
  const late =
    s.scheme === 'pow2' && s.biasMode === 'B16' && s.pow2FinerLate?.length
      ? finerLateTensors(constants, s.pow2FinerLate)
      : new Set<string>();
  const read = s.scheme === 'pow2' && histogramsRead(g, s.pow2Exponents ?? 'sum-inputs', s.biasMode);
  const calibrated = await stats(calibrationModel, toCalibrate, source, {
    alongside: twins,
    method: s.calibMethod,
    percentile: s.percentile,
    onSample: hooks.onSample,
    signal: hooks.signal,
    // The tensors finerThanRange takes by range need no histogram: calibration reduces them in ONNX
    // Runtime (PP-OCRv4 det 640 pow2: most of the tensors whose maps it fetched whole).
    histograms: Array.isArray(read) && late.size ? read.filter((t) => !late.has(t)) : read,
  });
  lap('calibration');
  const { histograms } = calibrated;
  // Named by the graph before HardSwish splits, where a HardSwish is still one saturating reader. Affine
  // only: on pow2's symmetric power-of-two grids the cut gains a step only where the negative side was
  // the wider, and on PP-OCRv4 rec it cost CER (2.80 -> 2.92 in the .onnx, 2.58 -> 3.56 in the .tflite).
  const ranges =
    s.scheme === 'affine' ? clampToSaturation(constants, calibrated.ranges) : new Map(calibrated.ranges);
  for (const [outer, inner] of exposed.alias) ranges.set(inner, ranges.get(outer)!);
  const inputScales = resolveInputScales(s, floatInputs, ranges);
  planSettings.inputParams = new Map(Object.entries(inputScales).map(([k, v]) => [k, perTensor(1 / v, 0)]));
  planSettings.baseInputScale = inputScales[floatInputs[0]!] ?? 1;
  if (s.scheme === 'pow2')
    planSettings.histograms = byError(g, histograms, s.pow2Exponents ?? 'sum-inputs', s.biasMode);
  if (s.scheme === 'pow2' && s.biasMode === 'B16' && s.pow2Finer?.length)
    finerByRange(constants, ranges, planSettings.histograms ?? new Map(), s.pow2Finer);
  if (s.scheme === 'pow2' && s.biasMode === 'B16' && s.pow2FinerLate?.length) {
    planSettings.histograms = new Map(planSettings.histograms); // byError may hand back calibration's map
    finerThanRange(ranges, planSettings.histograms, late);
  }
  const names = allNamesDeep(g);
  const branchFloat: FloatOp[] = [];
  if (inBranches.length) {
    g = quantizeBranches(g, { plan: planSettings, weights: wSettings, ranges, names, pass }, branchFloat);
    plan = planQuantization(g, types, planSettings);
  }
  lap('plan, ranges');
  const weights = early ?? quantizeAllWeights(g, plan, wSettings);
  lap('weights');
  // Measured on the float graph (the top level's layers; If branches are not corrected).
  const corrected =
    s.biasCorrection !== true
      ? undefined
      : early
        ? correctFromTwins(g, plan, twins)
        : await correctWeightRounding(model, g, plan, weights, source, hooks.signal);
  if (corrected) {
    // New bias inputs: plan again on the corrected graph (same nodes quantized, same tensors).
    g = corrected.graph;
    plan = planQuantization(g, elementTypes(g), planSettings);
    lap('bias correction');
  }
  const weightParams = new Map([...weights].map(([k, w]) => [k, w.params]));
  const perTensorWeights = new Map(
    [...weightParams].filter(([, p]) => p.scale.length === 1 && p.axis === undefined),
  );
  const counts = s.scheme === 'affine' ? await meanCounts(g, plan, source) : new Map<string, number>();
  const activations = assignActivationParams(g, plan, ranges, planSettings, perTensorWeights, counts);
  if (s.scheme === 'affine') tieFreeWeights(g, plan, weights, activations);
  lap('activation params');
  const quantizedNames = new Set([...plan.quantized].map((n) => n.name).filter(Boolean));
  const build = (from: Graph, p: QuantPlan, taken: Set<string>) => {
    const qdq = insertQdq(from, p, activations, weights, wSettings, taken);
    const wide = int16Nodes(qdq, s.int16 ?? [], quantizedNames);
    // Equal small constants (reduction axes, shapes) once in the file.
    return { graph: shareConstants(widenToInt16(qdq, wide, quantizedNames, from)).graph, wide };
  };
  // Each pass quantizes the corrected float graph again, with names taken as the final build takes them.
  const replanned = (from: Graph) => planQuantization(from, elementTypes(from), planSettings);
  // pow2 --rounding floor settles the converted graph as the device against the float model instead
  // (quant/tflite/floor-float.ts): ONNX Runtime rounds, so here it would take the floor offsets back.
  const floorTarget = s.scheme === 'pow2' && s.rounding === 'floor';
  const measured =
    s.biasCorrection === 'measured' && !floorTarget
      ? await measureBiases(
          model,
          g,
          plan,
          (from) => build(from, replanned(from), allNamesDeep(from, new Set(names))).graph,
          { source, signal: hooks.signal, onPass: hooks.onBiasPass },
        )
      : undefined;
  if (measured) {
    g = measured.graph;
    plan = replanned(g);
    allNamesDeep(g, names);
    lap('bias correction (measured)');
  }
  let chained: BiasCorrectionReport | undefined;
  if (s.biasCorrection === 'chain') {
    // Measured against the QDQ graph as it would be written now; then the biases move and it is built again.
    // Only the layers' names: their weight errors (shiftLayers) are measured inside the chain's twins.
    const layers = correctableLayers(g, plan, weights).map((l) => l.node.outputs[0]!);
    const qdq = build(g, plan, allNamesDeep(g, new Set(names))).graph;
    const stats = await measureChainShifts({ ...model, graph: g }, qdq, layers, source, hooks.signal);
    const c = correctBiases(g, plan, chainShifts(stats));
    g = c.graph;
    plan = replanned(g);
    allNamesDeep(g, names);
    chained = c.report;
    lap('bias correction (chain)');
  }
  const { graph, wide } = build(g, plan, names);
  lap('QDQ build');
  return {
    model: { ...model, quantScheme: quantSchemeOf(s), graph },
    activations,
    weights: weightParams,
    ranges,
    float: [...plan.float.map(controlFlowReason).map(int16Reason(s)), ...branchFloat],
    int16: g.nodes.filter((n) => wide.has(n.name)).map((n) => ({ node: n.name, op: n.opType })),
    inputScales,
    floatReference: model,
    equalization: equalized?.report,
    biasCorrection: corrected?.report ?? measured?.report ?? chained,
  };
}

/**
 * Cross-layer equalization. Pairs through a ReLU6 need the per-channel maxima of the first conv's output:
 * one min/max pass over the samples (reported as pass 0) gathers them when the graph has such pairs.
 */
export async function equalize(
  model: Model,
  { scheme, perChannel, exclude }: Pick<QuantSettings, 'scheme' | 'perChannel' | 'exclude'>,
  source: SampleSource,
  hooks: QuantHooks,
): Promise<{ graph: Graph; report: EqualizeReport }> {
  const clipped = clipMaximaTensors(model.graph);
  const stats = clipped.length
    ? await calibrateStats(model, clipped, source, {
        method: 'minmax',
        percentile: 100,
        channelMaxima: clipped,
        onSample: (_, done, total) => hooks.onSample?.(0, done, total),
        signal: hooks.signal,
      })
    : undefined;
  return equalizeGraph(model.graph, {
    exclude,
    clipMaxima: stats?.maxima,
    objective: scheme === 'pow2' && perChannel ? 'pow2-fill' : 'balance',
  });
}

/**
 * input_scale per float input. pow2 needs one for every input: given, or `auto` (the largest power of two
 * keeping the calibrated range inside int8 but for one step at its very end, at least 1); pow2 without
 * --input_scale uses auto. A [-1, 1] input (PP-OCR's images) takes 128, its +1 saturating to 127/128,
 * rather than 64, which would drop a bit from every pixel (PP-OCRv4 rec: output SQNR 9.8 -> 10.1 dB). affine uses
 * only the scales given. auto takes a power of two because every pow2 scale is 2^n / input_scale: with
 * 2^m, each grid is a power of two that float32 holds exactly, so ONNX Runtime's float QDQ arithmetic
 * meets the integer kernels of LiteRT on the same exact values, rounding ties included. With 125 (an input
 * in [-1.016, 1.016]) the scales are not float32 numbers, ties land a hair either side in ORT, and PP-OCR
 * cls's two files differed from the first Conv on (24.2 dB; exact up to its first HardSwish with 128).
 */
export function resolveInputScales(
  s: QuantSettings,
  floatInputs: string[],
  ranges: Map<string, Range>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of floatInputs) {
    const given =
      s.inputScale?.kind === 'all'
        ? s.inputScale.value
        : s.inputScale?.kind === 'named'
          ? s.inputScale.values.get(name)
          : undefined;
    if (given !== undefined) out[name] = given;
    else if (s.scheme === 'pow2') {
      const r = ranges.get(name) ?? { min: 0, max: 0 };
      const mag = Math.max(-r.min, r.max);
      out[name] = mag > 0 ? Math.max(1, 2 ** Math.floor(Math.log2(128 / mag))) : 1;
    }
  }
  return out;
}

export function checkNamedScales(scale: InputScale | undefined, inputs: string[]): void {
  if (scale?.kind !== 'named') return;
  for (const name of scale.values.keys()) {
    if (!inputs.includes(name)) {
      throw new InvalidOptionError(
        'input_scale',
        `names '${name}', which is not an input of the model; its inputs are: ${inputs.join(', ')}`,
      );
    }
  }
}

export { perTensor };

/**
 * The histograms pow2 picks exponents from, by `Pow2Exponents`. A Conv sums its input over a window of
 * channels and taps, so the rounding error of a finer grid averages out there while the few values it
 * clips are outliers. On PP-OCRv4 rec (200 held-out lines, float 1.20% CER) this reads 2.80% (.onnx) and
 * 2.58% (.tflite), against 4.67 / 4.55% by range and 2.12 / 2.40% by error everywhere, which cost MMoE's
 * cvr output 1.3 dB (B16, input_scale 10) where this leaves the examples' files as they were. Result
 * tensors have no histogram (calibrate.ts) and keep their range.
 */
/** Whether byError keeps any histogram. */
const readsHistograms = (mode: Pow2Exponents, biasMode: BiasMode): boolean =>
  mode === 'error' || (mode !== 'range' && biasMode !== 'B8');

/**
 * The histograms byError reads, as calibration's `histograms` option: all (error), the conv inputs'
 * (which calibration observes in full while it may reduce the other tensors in ONNX Runtime), or none.
 */
export function histogramsRead(g: Graph, mode: Pow2Exponents, biasMode: BiasMode): boolean | string[] {
  if (mode === 'error') return true;
  if (!readsHistograms(mode, biasMode)) return false;
  const byErr = errorTensors(g, mode);
  return [...new Set([...g.inputs.map((v) => v.name), ...g.nodes.flatMap((n) => n.outputs)])].filter(
    (name) => name && byErr(name),
  );
}

/**
 * The tensors 'conv-inputs' or 'sum-inputs' picks by error. 'sum-inputs' adds to the Conv inputs every
 * tensor that an accumulating op (Conv, Gemm, MatMul) or a sum (`sumsInputs`: Add, Sub, ReduceMean)
 * reads among others, unless it is a graph output or the output of an op that only moves data (Concat,
 * Reshape, Gather: MMoE's `features`, the inputs and embeddings every expert reads, lost its ctr output
 * 4.3 dB on a grid that clips their tails). A sum adds the rounding errors of its terms as a Conv's
 * window does, so a finer grid's lower rounding error wins there over the few values it clips.
 * PP-OCRv4 rec (pow2 B16, 200 held-out lines, float 1.20% CER), .onnx CER with calibration sets 30:101 /
 * 30:303 / 30:404 / 30:505: conv-inputs 3.66 / 3.72 / 3.84 / 3.41, sum-inputs 2.58 / 3.04 / 3.01 / 3.29
 * (.tflite alike; cls, det and the examples in README). Its SVTR neck's residual stream, LayerNorms and
 * MLP are such tensors (error there alone: 2.58 on 30:101, in the backbone alone 2.98); 'error' for
 * every tensor reads lower on rec (2.30 / 2.49 / 2.95 / 2.95) but costs PaddleOCR cls 3.1 dB and MMoE
 * ctr 4.3 dB. An operand only an Add or Sub reads is still raised to the sum's grid (assign.ts).
 */
function errorTensors(g: Graph, mode: Pow2Exponents): (name: string) => boolean {
  const isConvInput = convInputs(g);
  if (mode !== 'sum-inputs') return isConvInput;
  const index = indexGraph(g);
  const sums = (n: Node) => {
    const op = getOp(n.opType, n.domain);
    return op?.quant?.accumulates === true || op?.sumsInputs === true;
  };
  return (name) => {
    if (isConvInput(name)) return true;
    if (index.graphOutputs.has(name)) return false;
    const producer = index.producer.get(name);
    if (producer && getOp(producer.opType, producer.domain)?.movesData === true) return false;
    return (index.consumers.get(name) ?? []).some(sums);
  };
}

/** Whether a tensor is read only as Conv inputs (the data input), and is no graph output. */
function convInputs(g: Graph): (name: string) => boolean {
  const index = indexGraph(g);
  return (name) => {
    const readers = index.consumers.get(name) ?? [];
    return (
      readers.length > 0 &&
      !index.graphOutputs.has(name) &&
      readers.every((n) => n.opType === 'Conv' && n.domain === '' && n.inputs[0] === name)
    );
  };
}

function byError(
  g: Graph,
  histograms: Map<string, Magnitudes>,
  mode: Pow2Exponents,
  biasMode: BiasMode,
): Map<string, Magnitudes> {
  if (mode === 'error') return histograms;
  // B8 keeps the range's grids: on PaddleOCR cls conv-inputs took B8 from 10.5 to 8.6 dB (B16: 10.7 to
  // 11.2), and keeping biased ops' outputs by range did not help (8.0 dB); why is not known yet.
  if (!readsHistograms(mode, biasMode)) return new Map();
  const byErr = errorTensors(g, mode);
  return new Map([...histograms].filter(([name]) => byErr(name)));
}

/**
 * What finerByRange divides an early range-chosen tensor's range by: 2 sqrt 2, so that the tensor takes
 * the grid one finer than the power of two nearest its range's step in log scale (2^round(log2(max s_in
 * / 127)) / 2), where halving the range took the one finer than the power of two above it (2^ceil / 2).
 * Why: with the ceiling, a range just past a power of two takes a grid twice as coarse as a range just
 * under it, and which side a tensor's calibrated range falls on is chance. On PP-OCRv4 det (640 x 640,
 * pow2 B16, 12 held-out pages) only one of 173 exponents differed between the three calibration sets
 * (12 drawn / 12 spread / 24 drawn pages): p2o.Add.11, range +-129.2 on drawn 12 against +-124.1 /
 * +-124.4, grid 1 against 0.5, text-mask IoU 0.8336 against 0.8954 / 0.8958. Cut by 2 sqrt 2, it takes
 * 0.5 on all three: 0.8958 / 0.8954 / 0.8958, .onnx and .tflite alike (other held-out pages, drawn 12:
 * seed 505 0.7680 -> 0.8860, seed 606 0.7886 -> 0.8580, the three sets then within 4e-4 of each other
 * on each seed); no other exponent moves there, and quantizing time is unchanged. The same cut past the
 * early stages (finerThanRange) read 0.8165: those keep halving. bench/det-grid.ts, `nearest`.
 */
const EARLY_CUT = 2 * Math.SQRT2;

/**
 * Cuts the range of each output of the nodes named in `nodes` that pow2 gives an exponent by range
 * (no histogram in `byErr`), so that it takes the grid one finer; graph outputs keep theirs. `g`: the
 * graph the names refer to (before HardSwish splits; a split HardSwish's output keeps its name). Why, on
 * PP-OCRv4 det (the early stages of src/quant/dense-int16.ts; there the conv outputs a HardSwish reads,
 * p2o.Add.3 / .11 / .23 / .31 / .39, and one HardSwish output read by a Mul): those conv outputs span up
 * to +-245 on rendered pages, from the text's strokes, while on the paper around the text, most of the
 * page, each channel is one constant within +-4. The range's grid (steps of 0.5 to 2) rounds each such
 * constant by up to half a step, an offset the whole paper shares (bench/det-mask.ts). One grid finer
 * clips the strokes' extremes and halves that offset; two finer lose more to clipping than they gain.
 * Text-mask IoU (p > 0.3) against float, 640 x 640, 12 held-out pages, calibrated on 12 drawn / 12
 * spread / 24 drawn pages, .onnx and .tflite alike: 0.6267 / 0.6303 / 0.6353 -> 0.7750 / 0.8301 /
 * 0.8345 (bench/det-grid.ts, earlyFiner 1); quantizing time unchanged (no pass added). The tensors
 * pow2 picks by error (Conv and sum inputs) keep their grids: an error-chosen grid already weighs the
 * paper's values against the clipped strokes, and moving all early tensors two grids finer read 0.586.
 */
function finerByRange(
  g: Graph,
  ranges: Map<string, Range>,
  byErr: Map<string, Magnitudes>,
  nodes: string[],
): void {
  const named = new Set(nodes);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) {
    if (!named.has(n.name)) continue;
    for (const o of n.outputs) {
      const r = ranges.get(o);
      if (!o || !r || byErr.has(o) || outputs.has(o)) continue;
      ranges.set(o, { min: r.min / EARLY_CUT, max: r.max / EARLY_CUT });
    }
  }
}

/**
 * Each of `tensors` (finerLateTensors) takes the grid one finer than its range gives: its histogram
 * dropped from `byErr` (so its exponent is taken by range) and its range halved; graph outputs keep
 * theirs. Why, on PP-OCRv4 det past the early stages (the nodes after the stride-4 ones; the CLI passes
 * them under --dense_finer): there the exponents by histogram error mostly equal the range's, which is
 * what the histogram's squared error over all values prefers, yet the mask depends on the paper's
 * constants, not on the text's largest responses. Those nodes alone int8 (the rest float), 640 x 640,
 * 12 drawn calibration pages: 0.866 -> 0.926 (two grids finer: 0.03, clipping). Text-mask IoU, default
 * settings, 12 held-out pages, calibrated on 12 drawn / 12 spread / 24 drawn pages: see README,
 * --dense_finer. The early stages keep finerByRange's rule: every activation one finer than its range, theirs too, read 0.644.
 */
function finerThanRange(
  ranges: Map<string, Range>,
  byErr: Map<string, Magnitudes>,
  tensors: Set<string>,
): void {
  for (const o of tensors) {
    const r = ranges.get(o);
    if (!r) continue;
    byErr.delete(o);
    ranges.set(o, { min: r.min / 2, max: r.max / 2 });
  }
}

/** The outputs of the nodes of `g` named in `nodes` but graph outputs: what finerThanRange moves. */
function finerLateTensors(g: Graph, nodes: readonly string[]): Set<string> {
  const named = new Set(nodes);
  const outputs = new Set(g.outputs.map((o) => o.name));
  return new Set(
    g.nodes.filter((n) => named.has(n.name)).flatMap((n) => n.outputs.filter((o) => o && !outputs.has(o))),
  );
}

/** Names of the top graph's own values (inputs, initializers, node outputs), not those inside subgraphs. */
function topLevelNames(g: Graph): Set<string> {
  const names = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) names.add(o);
  return names;
}

/**
 * The nodes --int16 names that TFLite has no 16x8 kernel for: kept in float instead (the higher precision
 * both files have). Refused under pow2, whose hardware has no 16-bit activations.
 */
function withoutInt16(g: Graph, s: QuantSettings): string[] {
  const wanted = s.int16 ?? [];
  if (wanted.length === 0) return [];
  if (s.scheme !== 'affine') {
    throw new InvalidOptionError(
      'int16',
      'int16 activations are built for --scheme affine only (the pow2 target has no 16-bit activations); use --exclude to keep ops in float',
    );
  }
  return g.nodes
    .filter((n) => n.name && (wanted.includes(n.name) || wanted.includes(n.opType)) && !hasInt16(n))
    .map((n) => n.name);
}

function splitHalves(g: Graph, names: readonly string[]): string[] {
  return g.nodes
    .filter((n) => n.opType === 'HardSwish' && n.name && (names.includes(n.name) || names.includes(n.opType)))
    .flatMap((n) => [`${n.name}_hardsigmoid`, `${n.name}_mul`]);
}

const int16Reason =
  (s: QuantSettings) =>
  (f: FloatOp): FloatOp =>
    f.why === 'excluded by --exclude' && !s.exclude.includes(f.node) && !s.exclude.includes(f.op)
      ? { ...f, why: NO_INT16_KERNEL }
      : f;

/** An If stays as it is (control flow has no int8 form); what runs int8 is inside its branches. */
function controlFlowReason(f: FloatOp): FloatOp {
  return f.op === 'If' ? { ...f, why: 'control flow (its branches are quantized inside)' } : f;
}
