import fs from 'node:fs';
import path from 'node:path';
import { InvalidOptionError, UnsupportedOpError } from '../errors.js';
import { convertModel } from '../convert/index.js';
import { writeOnnxFile } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import type { Graph, Model } from '../ir/graph.js';
import type { OutputFormat, QuantizeOptions } from '../options.js';
import { shareConstants } from '../passes/share-constants.js';
import { hardActivationsAsIntegerOps } from '../quant/hard-activations.js';
import { foldFloorShifts } from '../quant/tflite/floor-shift.js';
import { activationsAsUint8 } from '../quant/uint8.js';
import type { WrittenFile } from '../report/types.js';
import { writeFileAtomic } from '../util/fs.js';

export interface Produced {
  files: WrittenFile[];
  /** The .tflite bytes written, for evaluation in LiteRT. */
  tflite?: Uint8Array;
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
      const bytes = tfliteBytes(inputFormat, result, o, !o.formats, produced.warnings);
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
  warnings: string[],
): Uint8Array | undefined {
  // Truncating pow2 hardware: conv/FC biases also cancel the mean shift of ops without a bias.
  const floor = o.scheme === 'pow2' && o.rounding === 'floor';
  const options = { shareEqualConstants: true, shareEqualVectors: true };
  const write = (model: Model) =>
    exportTflite(floor ? foldFloorShifts(model, o.bias_mode).model : model, options);
  if (inputFormat === 'tflite') return write(m);
  try {
    return write(
      convertModel(m, { layout: o.tflite_layout, ioType: o.io_type, inputShapes: o.input_shape }).model,
    );
  } catch (e) {
    if (!defaulted || !(e instanceof UnsupportedOpError)) throw e;
    warnings.push(`no .tflite written: ${e.message}`);
    return undefined;
  }
}
