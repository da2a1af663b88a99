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
import { activationsAsUint8 } from '../quant/uint8.js';
import type { ConversionReport, WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';

export interface Produced {
  files: WrittenFile[];
  /** The .tflite bytes written, for evaluation in LiteRT. */
  tflite?: Uint8Array;
  /** The ONNX -> TFLite converter's report, when it ran. */
  conversion?: ConversionReport;
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
  stem: string,
  written: string[],
): Produced {
  const formats: OutputFormat[] = o.formats ?? (inputFormat === 'onnx' ? ['onnx', 'tflite'] : ['tflite']);
  if (inputFormat === 'tflite' && formats.includes('onnx')) {
    throw new InvalidOptionError('formats', 'a TFLite input is written as TFLite only; use --formats tflite');
  }
  const suffix = o.scheme === 'none' ? 'float' : 'quant';
  const produced: Produced = { files: [], warnings: [] };
  for (const format of formats) {
    const file = path.join(o.output, `${stem}_${suffix}.${format}`);
    if (format === 'onnx') {
      const onnx = o.scheme === 'none' ? result : { ...result, graph: onnxGraph(result, o) };
      writeOnnxFile(onnx, file);
    } else {
      const bytes = tfliteBytes(inputFormat, result, o, !o.formats, produced);
      if (!bytes) continue;
      writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, bytes));
      produced.tflite = bytes;
    }
    written.push(file);
    produced.files.push({ format, path: file, bytes: fs.statSync(file).size, ratio: 0 });
  }
  return produced;
}

/** What only the .onnx gets: integer forms ORT fuses (see each pass), from the one quantized graph. */
export function onnxGraph(model: Model, o: Pick<QuantizeOptions, 'onnx_format'>): Graph {
  const integer = hardActivationsAsIntegerOps(model);
  // Equal constants the passes add (each rewrite its own; uint8 zero points where int8 -128 and 0 both
  // become 0) are shared again after.
  return shareConstants(o.onnx_format === 'qdq' ? activationsAsUint8(integer) : integer).graph;
}

function tfliteBytes(
  inputFormat: 'onnx' | 'tflite',
  m: Model,
  o: QuantizeOptions,
  defaulted: boolean,
  produced: Produced,
): Uint8Array | undefined {
  if (inputFormat === 'tflite')
    return exportTflite(m, { shareEqualConstants: true, shareEqualVectors: true });
  try {
    const converted = convertModel(m, {
      layout: o.tflite_layout,
      ioType: o.io_type,
      inputShapes: o.input_shape,
    });
    produced.conversion = conversionReport(m, converted.report);
    produced.nhwc = converted.report.nhwc;
    return exportTflite(converted.model, { shareEqualConstants: true, shareEqualVectors: true });
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
