import type { Preprocess } from '../data/image.js';
import type { ShiftRounding } from '../ir/qparams.js';
import type { Pow2Exponents, QuantSettings } from '../quant/quantize.js';

export type OutputFormat = 'onnx' | 'tflite';

/**
 * Everything a run needs, as the library takes it. The faces (CLI, Action) make it from their flags with
 * `parseOptions`, the one translation from flags to settings; every stage reads its part of this one
 * object as is (the quantizer its `QuantSettings` fields).
 */
export interface RunSettings extends Omit<QuantSettings, 'scheme'> {
  input: string;
  output: string;
  /** 'none' converts without quantizing. */
  scheme: QuantSettings['scheme'] | 'none';
  /** Files to write; default: both for an ONNX input, tflite for a TFLite input. */
  formats?: OutputFormat[];
  optimize: boolean;
  equalize: boolean;
  biasCorrection: boolean | 'measured' | 'chain';
  rounding: ShiftRounding;
  pow2Exponents: Pow2Exponents;
  calibData?: string;
  calibSamples: number;
  evalData?: string;
  preprocess: Preprocess;
  labels?: string;
  /** Exit 1 when labelled top-1 drops by more than this many points. */
  failOnDrop?: number;
  /** Mixed precision: keep the fewest ops in float so that accuracy drops at most this many points. */
  maxDrop?: number;
  /** Mixed precision: keep the fewest ops in float so that every output's SQNR is at least this (dB). */
  minSqnr?: number;
  /** Concrete shapes for inputs with dynamic dims: name -> dims ('*' for every input). */
  inputShapes: Map<string, number[]>;
  onnxFormat: 'qdq' | 'qoperator';
  tfliteLayout: 'nchw' | 'nhwc';
  ioType: 'float' | 'int8';
  /**
   * Under affine, int16 activations also for the early stages of a model with a per-pixel output
   * (src/quant/dense-int16.ts); ONNX inputs written as QDQ only (where --int16 applies).
   */
  denseInt16: boolean;
  /**
   * Under pow2 B16, the same early stages' activations whose exponent is taken by range one grid finer
   * (QuantSettings.pow2Finer), and every later node's grid one finer than its range (pow2FinerLate).
   */
  denseFiner: boolean;
}

/** Settings of a run that quantizes: the quantizer takes them as they are. */
export type QuantizingRun = RunSettings & QuantSettings;

export const quantizes = (s: RunSettings): s is QuantizingRun => s.scheme !== 'none';
