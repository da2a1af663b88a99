import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, UnsupportedOpError } from '../errors.js';
import { convertModel, type ConvertReport } from '../convert/index.js';
import { writeOnnxFile } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import type { Graph, Model } from '../ir/graph.js';
import type { OutputFormat, QuantizeOptions } from '../options.js';
import { shareConstants } from '../passes/share-constants.js';
import { hardActivationsAsIntegerOps } from '../quant/hard-activations.js';
import { toQOperator } from '../quant/qoperator.js';
import { floorBiases } from '../quant/floor-biases.js';
import { foldFloorShifts } from '../quant/tflite/floor-shift.js';
import { activationsAsUint8 } from '../quant/uint8.js';
import type { ConversionReport, WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';

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
  warnings: string[];
}

/**
 * Writes the requested formats. ONNX input: the QDQ (or float) .onnx and its conversion to .tflite, both
 * from the one quantized graph. TFLite input: the .tflite. When the formats were not asked for explicitly,
 * a model the TFLite converter cannot take still gets its .onnx, with a warning instead of a failure.
 */
export function writeOutputs(
  inputFormat: 'onnx' | 'tflite',
  result: Model,
  o: QuantizeOptions,
  inputShapes: Map<string, number[]>,
  stem: string,
  written: string[],
): Produced {
  const formats: OutputFormat[] = o.formats ?? (inputFormat === 'onnx' ? ['onnx', 'tflite'] : ['tflite']);
  if (inputFormat === 'tflite' && formats.includes('onnx')) {
    throw new InvalidOptionError('formats', 'a TFLite input is written as TFLite only; use --formats tflite');
  }
  const suffix = o.scheme === 'none' ? 'float' : 'quant';
  const produced: Produced = { files: [], warnings: [] };
  const floor = inputFormat === 'onnx' && o.scheme === 'pow2' && o.rounding === 'floor';
  const converted = floor
    ? floorCorrected(result, o, inputShapes, formats.includes('tflite') && !!o.formats, produced)
    : undefined;
  const model = converted?.qdq ?? result;
  produced.model = model;
  for (const format of formats) {
    const file = path.join(o.output, `${stem}_${suffix}.${format}`);
    if (format === 'onnx') {
      const onnx = o.scheme === 'none' ? model : { ...model, graph: onnxGraph(model, o) };
      writeOnnxFile(onnx, file);
    } else {
      const bytes = converted
        ? converted.tflite && exportTflite(converted.tflite, TFLITE_OPTIONS)
        : tfliteBytes(inputFormat, result, o, inputShapes, !o.formats, produced);
      if (!bytes) continue;
      writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, bytes));
      produced.tflite = bytes;
    }
    written.push(file);
    produced.files.push({ format, path: file, bytes: fs.statSync(file).size, ratio: 0 });
  }
  return produced;
}

/**
 * What only the .onnx gets: integer forms ORT fuses (see each pass), from the one quantized graph. The
 * QOperator form is one of them: the TFLite converter reads the QDQ graph whatever --onnx_format says.
 */
export function onnxGraph(model: Model, o: Pick<QuantizeOptions, 'onnx_format'>): Graph {
  const form = o.onnx_format === 'qoperator' ? { ...model, graph: toQOperator(model.graph).graph } : model;
  const integer = hardActivationsAsIntegerOps(form);
  // Equal constants the passes add (each rewrite its own; uint8 zero points where int8 -128 and 0 both
  // become 0) are shared again after.
  return shareConstants(o.onnx_format === 'qdq' ? activationsAsUint8(integer) : integer).graph;
}

const TFLITE_OPTIONS = { shareEqualConstants: true, shareEqualVectors: true };

/**
 * pow2 --rounding floor from an ONNX input: the conversion runs first, the mean-shift corrections are
 * computed on it (quant/floor-biases.ts) and carried back to the QDQ graph, so that the .onnx and the
 * .tflite hold the same biases. A model the converter cannot take keeps its .onnx with the conv/FC
 * offsets only (a warning says so unless a .tflite was asked for, which then fails as before).
 */
function floorCorrected(
  m: Model,
  o: QuantizeOptions,
  inputShapes: Map<string, number[]>,
  tfliteAsked: boolean,
  produced: Produced,
): { qdq: Model; tflite?: Model } {
  try {
    const converted = convertModel(m, {
      layout: o.tflite_layout,
      ioType: o.io_type,
      inputShapes,
      keepFloat: o.exclude,
    });
    produced.conversion = conversionReport(m, converted.report);
    produced.nhwc = converted.report.nhwc;
    return floorBiases(m, converted.model, o.bias_mode);
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
  o: QuantizeOptions,
  inputShapes: Map<string, number[]>,
  defaulted: boolean,
  produced: Produced,
): Uint8Array | undefined {
  // Truncating pow2 hardware (a TFLite input; ONNX inputs go through floorCorrected): conv/FC biases also
  // cancel the mean shift of ops without a bias.
  const floor = o.scheme === 'pow2' && o.rounding === 'floor';
  const write = (model: Model) =>
    exportTflite(floor ? foldFloorShifts(model, o.bias_mode).model : model, TFLITE_OPTIONS);
  if (inputFormat === 'tflite') return write(m);
  try {
    const converted = convertModel(m, {
      layout: o.tflite_layout,
      ioType: o.io_type,
      inputShapes,
      keepFloat: o.exclude,
    });
    produced.conversion = conversionReport(m, converted.report);
    produced.nhwc = converted.report.nhwc;
    return write(converted.model);
  } catch (e) {
    if (!defaulted || !(e instanceof UnsupportedOpError)) throw e;
    produced.warnings.push(`no .tflite written: ${e.message}`);
    return undefined;
  }
}

/** The converter's report with each float op's type and the reason, as the quantizer's `float[]` says it. */
function conversionReport(m: Model, r: ConvertReport): ConversionReport {
  const byName = new Map(m.graph.nodes.map((n) => [n.name || n.outputs[0]!, n]));
  const floatOps = r.floatOps.map((node) => ({
    node,
    op: byName.get(node)?.opType ?? '?',
    why: 'no int8 TFLite kernel for it here: it runs float between DEQUANTIZE and QUANTIZE',
  }));
  return { stats: r.stats, floatOps };
}
