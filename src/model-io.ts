import fs from 'node:fs';
import path from 'node:path';
import { ModelFormatError } from './errors.js';
import type { Model } from './ir/graph.js';
import { readOnnxFile } from './formats/onnx/import.js';
import { readTfliteFile } from './formats/tflite/import.js';

export type ModelFormat = 'onnx' | 'tflite';

/** The format a path names by its extension, or an error that says which extensions work. */
export function formatOf(file: string): ModelFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  if (ext === '.tflite') return 'tflite';
  throw new ModelFormatError(
    file,
    `unknown model extension '${ext || '(none)'}'; use a .onnx or .tflite file`,
  );
}

/**
 * Reads a model. `externalFiles` collects the files an ONNX model keeps its weights in beside it (ONNX
 * external data), which belong to its size.
 */
export async function readModel(file: string, externalFiles?: Set<string>): Promise<Model> {
  if (!fs.existsSync(file)) throw new ModelFormatError(file, 'no such file');
  if (fs.statSync(file).isDirectory())
    throw new ModelFormatError(file, 'is a folder; give the path of a model file');
  const format = formatOf(file);
  if (format === 'onnx') return readOnnxFile(file, { externalFiles });
  return readTfliteFile(file);
}

/** Bytes of a model on disk: the file and the external data files its weights were read from. */
export function modelBytes(file: string, externalFiles: Iterable<string> = []): number {
  let n = fs.statSync(file).size;
  for (const f of new Set(externalFiles)) n += fs.statSync(f).size;
  return n;
}
