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
  bytes: number;
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
