import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, UnsupportedOpError } from '../errors.js';
import { convertModel, type ConvertReport } from '../convert/index.js';
import { AUTO_EXTERNAL_DATA_BYTES, weightBytes, writeOnnxFile } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import { subgraphsOf, type Graph, type Model, type Node } from '../ir/graph.js';
import type { OutputFormat, RunSettings } from './settings.js';
import { shareConstants } from '../passes/share-constants.js';
import { addTiesUp } from '../passes/pow2-add-ties.js';
import { averagesAsLitert } from '../passes/pow2-pool-ties.js';
import { hardActivationsAsIntegerOps } from '../quant/hard-activations.js';
import { toQOperator } from '../quant/qoperator.js';
import { floorBiases } from '../quant/floor-biases.js';
import { foldFloorShifts } from '../quant/tflite/floor-shift.js';
import { measureFloorShifts } from '../quant/tflite/floor-measured.js';
import { measureFloatShifts, type FloatReference } from '../quant/tflite/floor-float.js';
import { selectCorrections } from './floor-select.js';
import type { Feeds } from '../quant/calibrate.js';
import { activationsAsUint8 } from '../quant/uint8.js';
import type { ConversionReport, WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';
import { stopwatch } from '../util/timing.js';

export interface Produced {
  files: WrittenFile[];
  /** The .tflite bytes written, for evaluation in LiteRT. */
  tflite?: Uint8Array;
  /** The ONNX -> TFLite converter's report, when it ran. */
  conversion?: ConversionReport;
  /** The quantized model the files were written from (pow2 floor: with the corrected biases). */
  model?: Model;
  /** Inputs and outputs the .tflite stores NHWC (from the converter), for evaluation to transpose. */
  nhwc?: string[];
  /** pow2 --rounding floor: whether the mean-shift corrections were kept, and why. */
  floorCorrections?: FloorCorrections;
  warnings: string[];
}

export interface FloorCorrections {
  /** Conv/FC biases moved for the mean shift of ops without a bias. */
  meanShift: number;
  /** ADD/SUB constant operands moved (HardSigmoid's beta; predicted, quant/tflite/floor-constants.ts). */
  constants: number;
  /**
   * How the shifts were found: 'measured' (the device against its rounding twin on the calibration
   * samples, quant/tflite/floor-measured.ts) or 'predicted' (from each op's arithmetic, floor-shift.ts).
   */
  method: 'measured' | 'predicted';
  /**
   * What a measurement settled the device against: its rounding twin, or (--bias_correction measured)
   * the float model's pre-activation means (quant/tflite/floor-float.ts).
   */
  target?: 'twin' | 'float';
  /** Device runs over the calibration samples the measurement took. */
  passes?: number;
  /** Whether the files hold them (false: the conv/FC rounding offsets alone measured better). */
  kept: boolean;
  /** Output SQNR of the device (truncating) on the calibration samples (mean over outputs), with and without. */
  calibrationSqnrDb?: { with: number; without: number };
}

/**
 * Calibration data for truncating hardware. `score`: .tflite candidates run as the device, the output
 * SQNR against the float model (mean over outputs: a correction in one task's tower of a multi-task model
 * counts for that task), one figure per candidate; `samples`: the feeds it scores on, in
 * the converted graph's layout. `nhwc`: the values the files store NHWC.
 */
export interface FloorJudge {
  score(candidates: Uint8Array[], nhwc: string[]): Promise<number[]>;
  samples(nhwc: string[]): AsyncIterable<Feeds>;
  /** The float model on the same samples (--bias_correction measured settles against it). */
  reference: FloatReference;
}

/**
 * A .tflite is one flatbuffer, whose 32-bit offsets stop at 2 GiB (the margin leaves room for the graph and
 * the format's own tables). The .onnx has no such limit: past it, its weights go to external data.
 */
export const TFLITE_MAX_BYTES = 2 ** 31 - 1 - 64 * 2 ** 20;

/** Sizes past which a format changes how it stores the model; a parameter so that tests need no GiBs. */
export interface OutputLimits {
  /** Weights past this get no .tflite (default TFLITE_MAX_BYTES). */
  tfliteBytes: number;
  /** Weights past this leave the .onnx for a `.data` file beside it (default: protobuf's 2 GiB). */
  onnxFileBytes: number;
}

export const OUTPUT_LIMITS: OutputLimits = {
  tfliteBytes: TFLITE_MAX_BYTES,
  onnxFileBytes: AUTO_EXTERNAL_DATA_BYTES,
};

/**
 * Writes the requested formats. ONNX input: the QDQ (or float) .onnx and its conversion to .tflite, both
 * from the one quantized graph. TFLite input: the .tflite. When the formats were not asked for explicitly,
 * a model the TFLite converter cannot take still gets its .onnx, with a warning instead of a failure.
 * An ONNX model whose weights pass `limits.tfliteBytes` (TFLite's 2 GiB) gets its .onnx alone, with a warning.
 */
export async function writeOutputs(
  inputFormat: 'onnx' | 'tflite',
  result: Model,
  o: RunSettings,
  inputShapes: Map<string, number[]>,
  stem: string,
  written: string[],
  judge?: FloorJudge,
  limits: OutputLimits = OUTPUT_LIMITS,
): Promise<Produced> {
  const asked: OutputFormat[] = o.formats ?? (inputFormat === 'onnx' ? ['onnx', 'tflite'] : ['tflite']);
  if (inputFormat === 'tflite' && asked.includes('onnx')) {
    throw new InvalidOptionError('formats', 'a TFLite input is written as TFLite only; use --formats tflite');
  }
  const lap = stopwatch('write');
  const suffix = o.scheme === 'none' ? 'float' : 'quant';
  const produced: Produced = { files: [], warnings: [] };
  const formats = fittingFormats(inputFormat, asked, weightBytes(result.graph), limits.tfliteBytes, produced);
  const floor = inputFormat === 'onnx' && o.scheme === 'pow2' && o.rounding === 'floor';
  const converted = floor
    ? await floorCorrected(result, o, inputShapes, formats.includes('tflite') && !!o.formats, produced, judge)
    : undefined;
  if (converted) lap('floor corrections');
  const model = converted?.qdq ?? result;
  produced.model = model;
  for (const format of formats) {
    const file = path.join(o.output, `${stem}_${suffix}.${format}`);
    let externalData: string | undefined;
    if (format === 'onnx') {
      const onnx = o.scheme === 'none' ? model : { ...model, graph: onnxGraph(model, o) };
      externalData = writeOnnxFile(onnx, file, { singleFileBytes: limits.onnxFileBytes });
      if (externalData) {
        written.push(externalData);
        produced.warnings.push(externalDataNote(file, externalData));
      }
    } else {
      const bytes = converted
        ? converted.tflite && exportTflite(converted.tflite, TFLITE_OPTIONS)
        : tfliteBytes(inputFormat, result, o, inputShapes, !o.formats, produced);
      if (!bytes) continue;
      writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, bytes));
      produced.tflite = bytes;
    }
    written.push(file);
    const bytes = fs.statSync(file).size + (externalData ? fs.statSync(externalData).size : 0);
    produced.files.push({ format, path: file, bytes, ratio: 0, ...(externalData && { externalData }) });
    lap(format === 'onnx' ? '.onnx' : '.tflite (conversion)');
  }
  return produced;
}

function externalDataNote(file: string, data: string): string {
  const gib = (fs.statSync(data).size / 2 ** 30).toFixed(2);
  return (
    `${path.basename(file)} keeps its weights in ${path.basename(data)} beside it (${gib} GiB: past ` +
    `protobuf's 2 GiB one .onnx file cannot hold them); keep the two files together`
  );
}

/**
 * The formats that can hold weights of `weights` bytes: an ONNX model too large for a .tflite gets its
 * .onnx instead (whether or not it was asked for, so that the run still writes the model), with a warning.
 */
function fittingFormats(
  inputFormat: 'onnx' | 'tflite',
  asked: OutputFormat[],
  weights: number,
  limit: number,
  produced: Produced,
): OutputFormat[] {
  if (inputFormat !== 'onnx' || !asked.includes('tflite') || weights <= limit) return asked;
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  produced.warnings.push(
    `no .tflite written: the model's weights (${gb(weights)}) pass what one TFLite flatbuffer holds ` +
      `(${gb(limit)}; its offsets are 32-bit); the .onnx is written, its weights as external data if over 2 GiB`,
  );
  return ['onnx'];
}

/**
 * What only the .onnx gets: integer forms ORT fuses (see each pass), from the one quantized graph. The
 * QOperator form is one of them: the TFLite converter reads the QDQ graph whatever --onnx_format says.
 */
export function onnxGraph(model: Model, o: Pick<RunSettings, 'onnxFormat'>): Graph {
  const form = o.onnxFormat === 'qoperator' ? { ...model, graph: toQOperator(model.graph).graph } : model;
  const hard = { ...form, graph: hardActivationsAsIntegerOps(form) };
  const integer = averagesAsLitert({ ...hard, graph: addTiesUp(hard) });
  // Equal constants the passes add (each rewrite its own; uint8 zero points where int8 -128 and 0 both
  // become 0) are shared again after.
  return shareConstants(o.onnxFormat === 'qdq' ? activationsAsUint8(integer) : integer).graph;
}

/** The QDQ graph converted to TFLite, the converter's report and notes recorded on `produced`. */
function convertRecorded(
  m: Model,
  o: RunSettings,
  inputShapes: Map<string, number[]>,
  produced: Produced,
): ReturnType<typeof convertModel> {
  const converted = convertModel(m, {
    layout: o.tfliteLayout,
    ioType: o.ioType,
    inputShapes,
    keepFloat: o.exclude,
  });
  produced.conversion = conversionReport(m, converted.report);
  produced.nhwc = converted.report.nhwc;
  for (const n of converted.report.notes) if (!produced.warnings.includes(n)) produced.warnings.push(n);
  return converted;
}

const TFLITE_OPTIONS = { shareEqualConstants: true, shareEqualVectors: true };

/**
 * pow2 --rounding floor from an ONNX input: the conversion runs first, the mean-shift corrections are
 * computed on it (quant/floor-biases.ts) and carried back to the QDQ graph, so that the .onnx and the
 * .tflite hold the same biases. A model the converter cannot take keeps its .onnx with the conv/FC
 * offsets only (a warning says so unless a .tflite was asked for, which then fails as before).
 *
 * floor-shift predicts each op's truncation from its arithmetic alone; where a shift is not a mean shift
 * (an SE block's gate, which scales a feature map) its correction can cost more than it gains: on PP-OCR
 * cls (B16, held-out rendered lines) the device row is 27.4 dB with the conv/FC offsets alone, 12.8 dB with
 * the corrections, 27.8 dB for rounding hardware; on mobilenet_v1_bn 19.5 against 26.0 (nearest 26.6).
 * With calibration data (`judge`), both are run as the device on it and the better one is written.
 */
async function floorCorrected(
  m: Model,
  o: RunSettings,
  inputShapes: Map<string, number[]>,
  tfliteAsked: boolean,
  produced: Produced,
  judge: FloorJudge | undefined,
): Promise<{ qdq: Model; tflite?: Model }> {
  // Sub-laps of the write stage's 'floor corrections' (MODEL_QUANT_TIMING).
  const lap = stopwatch('floor');
  try {
    const converted = convertRecorded(m, o, inputShapes, produced);
    lap('conversion');
    const nhwc = converted.report.nhwc ?? [];
    // Measured where the device can run on the calibration samples (float inputs and outputs).
    const measured = judge && o.ioType === 'float';
    // The measurement starts from the ADD/SUB constants moved as predicted (the gates they feed scale
    // feature maps, which no bias downstream can undo), so that the biases measure what is left.
    const base = measured ? foldFloorShifts(converted.model, o.biasMode, { biases: false }) : undefined;
    const samples = () => judge!.samples(nhwc);
    const folded = !base
      ? foldFloorShifts(converted.model, o.biasMode)
      : o.biasCorrection === 'measured'
        ? await measureFloatShifts(base.model, o.biasMode, samples, judge!.reference)
        : await measureFloorShifts(base.model, o.biasMode, samples);
    lap(measured ? 'measure (device sweeps)' : 'predict');
    const score = (ms: Model[]) =>
      judge!.score(
        ms.map((t) => exportTflite(t, TFLITE_OPTIONS)),
        nhwc,
      );
    const chosen = base ? (await selectCorrections(base.model, folded.model, score)).model : folded.model;
    const constants = base?.report.constants ?? ('report' in folded ? folded.report.constants : 0);
    const corrected = floorBiases(m, converted.model, chosen);
    const method = measured ? 'measured' : 'predicted';
    const how = measured
      ? {
          target: o.biasCorrection === 'measured' ? ('float' as const) : ('twin' as const),
          passes: 'passes' in folded ? folded.passes : 0,
        }
      : {};
    produced.floorCorrections = { meanShift: corrected.corrected, constants, method, ...how, kept: true };
    if (!judge || corrected.corrected + constants === 0) return corrected;
    const files = [corrected.tflite, converted.model].map((t) => exportTflite(t, TFLITE_OPTIONS));
    const [withShifts, without] = await judge.score(files, nhwc);
    lap('select, judge (with and without)');
    const kept = !(without! > withShifts!);
    produced.floorCorrections = {
      meanShift: corrected.corrected,
      constants,
      method,
      ...how,
      kept,
      calibrationSqnrDb: { with: withShifts!, without: without! },
    };
    return kept ? corrected : { qdq: m, tflite: converted.model };
  } catch (e) {
    if (tfliteAsked || !(e instanceof UnsupportedOpError)) throw e;
    produced.warnings.push(
      `no .tflite written and no mean-shift corrections in the .onnx's biases (they are computed on the converted graph): ${e.message}`,
    );
    return { qdq: m };
  }
}

function tfliteBytes(
  inputFormat: 'onnx' | 'tflite',
  m: Model,
  o: RunSettings,
  inputShapes: Map<string, number[]>,
  defaulted: boolean,
  produced: Produced,
): Uint8Array | undefined {
  // Truncating pow2 hardware (a TFLite input; ONNX inputs go through floorCorrected): conv/FC biases also
  // cancel the mean shift of ops without a bias.
  const floor = o.scheme === 'pow2' && o.rounding === 'floor';
  const write = (model: Model) =>
    exportTflite(floor ? foldFloorShifts(model, o.biasMode).model : model, TFLITE_OPTIONS);
  if (inputFormat === 'tflite') return write(m);
  // Sub-laps of the write stage's 'floor corrections' (MODEL_QUANT_TIMING).
  const lap = stopwatch('floor');
  try {
    const converted = convertRecorded(m, o, inputShapes, produced);
    lap('conversion');
    return write(converted.model);
  } catch (e) {
    if (!defaulted || !(e instanceof UnsupportedOpError)) throw e;
    produced.warnings.push(`no .tflite written: ${e.message}`);
    return undefined;
  }
}

/** The converter's report with each float op's type and the reason, as the quantizer's `float[]` says it. */
function conversionReport(m: Model, r: ConvertReport): ConversionReport {
  // Nodes inside If branches too: the converter names theirs among the float ops.
  const byName = new Map<string, Node>();
  const index = (g: Graph): void => {
    for (const n of g.nodes) {
      byName.set(n.name || n.outputs[0]!, n);
      subgraphsOf(n).forEach(index);
    }
  };
  index(m.graph);
  const floatOps = r.floatOps.map((node) => ({
    node,
    op: byName.get(node)?.opType ?? '?',
    why: 'no int8 TFLite kernel for it here: it runs float between DEQUANTIZE and QUANTIZE',
  }));
  return { stats: r.stats, floatOps };
}
