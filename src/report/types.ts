import type { Accuracy, LayerError } from '../eval/evaluate.js';
import type { OutputMetrics } from '../eval/metrics.js';
import type { ModelFormat } from '../model-io.js';
import type { OptimizeReport } from '../passes/optimize.js';
import type { EqualizeReport } from '../passes/equalize.js';
import type { FloatOp } from '../quant/assign.js';
import type { BiasCorrectionReport } from '../quant/bias-correction.js';
import type { FloorCorrections } from '../pipeline/outputs.js';

/** `<stem>_report.json`, schema version 1 (documented in the README). */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'model-quant'; version: string };
  input: { path: string; format: ModelFormat; bytes: number };
  /** Every option as used, defaults filled in. */
  settings: Record<string, unknown>;
  optimizer?: OptimizeReport;
  /** --equalize: the Conv pairs rescaled (and those skipped, with why). */
  equalization?: EqualizeReport;
  /** --bias_correction: the biases shifted, with the largest shift per layer. */
  biasCorrection?: BiasCorrectionReport;
  /** The ONNX -> TFLite conversion: what its stages rewrote, and the ops that run float in the .tflite. */
  conversion?: ConversionReport;
  /**
   * pow2 --rounding floor from an ONNX input: the conv/FC biases floor-shift moved for the mean shift of
   * ops without a bias, and whether the files keep them (they are dropped where the device measured
   * better without them on the calibration samples).
   */
  floorCorrections?: FloorCorrections;
  calibration?: { source: 'data' | 'synthetic'; samples: number; method: string };
  evaluation?: { source: 'data' | 'synthetic' | 'calibration'; samples: number };
  /** input_scale used per float input (pow2; after `auto`). */
  inputScales?: Record<string, number>;
  outputs: WrittenFile[];
  /** pow2: the .tflite run by the integer executor in the original hardware's arithmetic, vs float. */
  device?: {
    runtime: 'integer';
    rounding: 'floor' | 'nearest';
    biasMode: 'B8' | 'B16';
    /** What the metrics describe: the original hardware's arithmetic, truncating or rounding. */
    target: string;
    metrics: Record<string, OutputMetrics>;
  };
  accuracy?: Accuracy;
  /** --max_drop / --min_sqnr: the ops kept in float to meet the target, and what that cost. */
  mixedPrecision?: MixedPrecisionReport;
  /** Ops run with int16 activations and int8 weights (--int16, or kept so by mixed precision). */
  int16?: { node: string; op: string }[];
  layers: LayerError[];
  float: FloatOp[];
  timingsMs: Record<string, number>;
  peakRssBytes: number;
  warnings: string[];
}

export interface ConversionReport {
  /** What each converter stage matched and rewrote, by rule. */
  stats: Record<string, number>;
  /** Nodes quantized in the .onnx that run float in the .tflite (between DEQUANTIZE and QUANTIZE). */
  floatOps: FloatOp[];
}

export interface WrittenFile {
  format: 'onnx' | 'tflite';
  path: string;
  /** With its external data file's, when it has one. */
  bytes: number;
  /** The .onnx's weights, in a file beside it (ONNX external data): when they pass protobuf's 2 GiB. */
  externalData?: string;
  /** bytes / input bytes */
  ratio: number;
  runtime?: 'onnxruntime' | 'litert';
  /** What the metrics describe: the file in its runtime, with that runtime's rounding. */
  target?: string;
  /** Per model output: float vs this file, in its runtime. */
  metrics?: Record<string, OutputMetrics>;
}

/** SQNR above this is written as this value (identical arrays have infinite SQNR; JSON has no Infinity). */
export const SQNR_CAP_DB = 200;

/** A model's figures as the mixed-precision target reads them (worst output; 0..1 shares). */
export interface PrecisionScore {
  sqnrDb: number;
  top1Agreement?: number;
  /** A sequence output's decoded-text agreement with float (OutputMetrics.characterAgreement). */
  characterAgreement?: number;
  top1Accuracy?: number;
  top1AccuracyFloat?: number;
  /**
   * Points lost against float: labelled top-1 accuracy when labelled, else agreement (top-1, or a
   * sequence output's character agreement).
   */
  dropPoints?: number;
  /**
   * The drop's upper confidence bound (points, 95% one-sided, from the samples' spread): what --max_drop
   * requires to be at most the target (src/pipeline/precision-bound.ts).
   */
  dropBound?: number;
}

export interface KeptOp {
  /** A node name, or a group's label (then `op` is 'group' and `members` names its nodes). */
  node: string;
  op: string;
  members?: string[];
  /** Judged on the switched model (one session, ops switched to float), not on a written file. */
  estimated?: boolean;
  /**
   * How it was ranked, on the ranking samples: the model with only this op quantized (the bisection's
   * ranking: the error it adds alone), or with only this op in float (the greedy search's).
   */
  alone?: PrecisionScore;
  /** The model after this step (this op and those before it in float), on every evaluation sample. */
  after?: PrecisionScore;
}

export interface MixedPrecisionReport {
  target: { maxDrop?: number; minSqnr?: number; metric: string };
  /**
   * What kept ops run in: int16 activations where they have 16x8 kernels and the target holds so (affine
   * ONNX inputs), else float; `int16` names those in int16 and `precisionNote` says why none could be.
   */
  precision: 'float' | 'int16' | 'int16 and float';
  int16?: string[];
  precisionNote?: string;
  /** Files judged trying kept ops in int16 (src/pipeline/precision-int16.ts). */
  int16Trials?: number;
  /** Evaluation samples the search judged the target on, and the worst of them it ranked ops on. */
  samples: number;
  rankingSamples: number;
  /** Quantized ops the search could keep in float. */
  candidates: number;
  /** Groups of them offered too (every op of a type, contiguous blocks; precision-groups.ts). */
  groups?: number;
  before: PrecisionScore;
  after: PrecisionScore;
  met: boolean;
  /** In the order they were kept. */
  kept: KeptOp[];
  /** Ops that only move values (Reshape, Transpose, ...) kept in float with them, between float ops. */
  movers?: number;
  /** Quantized models measured, and how often the remaining ops were ranked again. */
  evaluations: number;
  reranks: number;
  /** Steps undone: the op, kept in float, left the model no better (it stays int8). */
  undone?: number;
  /** Ops the greedy steps kept that went back to int8 after: the target held without them. */
  pruned?: number;
  /** Of `evaluations`, those of a written file (the rest ran on the switched model). */
  fileEvaluations?: number;
  /** Mean time to judge one ranking candidate, and the whole search (ms, this machine). */
  msPerCandidate?: number;
  searchMs?: number;
  /** CPU time of the search (ms, this process, every thread: ONNX Runtime's too), and of ranking ops. */
  searchCpuMs?: number;
  rankCpuMs?: number;
  /** Judgements of the bisection over the ranked ops (precision-bisect.ts). */
  bisections?: number;
  /** The switched model's figures for its choice, and the written file's for the same exclude list. */
  estimate?: PrecisionScore;
  verified?: PrecisionScore;
  /** What keeping them cost: each written file against the same file without mixed precision. */
  cost?: PrecisionCost[];
}

export interface PrecisionCost {
  format: 'onnx' | 'tflite';
  bytes: number;
  bytesWithout: number;
  /** Median time of one inference in the file's runtime (ONNX Runtime, all optimizations; LiteRT). */
  latencyMs?: number;
  latencyMsWithout?: number;
}
