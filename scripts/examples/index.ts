import fs from 'node:fs';
import path from 'node:path';
import { writeNpyFile } from '../../src/data/npy.js';
import { writeNpzFile } from '../../src/data/npz.js';
import { convertToTflite } from '../../src/convert/index.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { optimize } from '../../src/passes/optimize.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import { naturalImage, normalizeImageNet } from './images.js';
import { buildMmoe, MMOE, MmoeData } from './mmoe.js';
import { buildMobileNet, MOBILENET } from './mobilenet.js';
import { Random } from './random.js';

/** Samples next to each model, drawn as the model's real inputs would be. */
export const SAMPLE_COUNT = 48;
/** Inputs the BatchNorm statistics and output scales are measured on: a stand-in for training data. */
const CALIBRATION_COUNT = 32;

/**
 * One seed per stream, so that changing how one part is drawn leaves the other files as they are.
 * 20250509 is the original tool's first release date.
 */
const SEEDS = {
  mobilenetWeights: 20250509,
  mobilenetCalibration: 20250510,
  mobilenetSamples: 20250511,
  mmoeData: 20250512,
  mmoeWeights: 20250513,
  mmoeCalibration: 20250514,
  mmoeSamples: 20250515,
};

/** Writes both example models and their samples under `outDir`; returns the files written. */
export function makeExamples(outDir: string): string[] {
  const files = [...makeMobileNet(outDir), ...makeMmoe(outDir)];
  return [...files, ...files.filter((f) => f.endsWith('.onnx')).map(tfliteTwin)];
}

/**
 * The original tool's other example inputs: each model as a float TFLite file, converted from the ONNX
 * file by the project's own optimizer and converter (BatchNorm folded, as TFLite converters do; NCHW
 * inputs kept, so the same samples feed both files).
 */
function tfliteTwin(onnxFile: string): string {
  const file = onnxFile.replace(/\.onnx$/, '.tflite');
  const converted = convertToTflite(optimize(readOnnxFile(onnxFile)).model, {
    layout: 'nchw',
    ioType: 'float',
  });
  fs.writeFileSync(file, exportTflite(converted));
  return file;
}

function makeMobileNet(outDir: string): string[] {
  const size = MOBILENET.size;
  const images = (seed: number, n: number) => {
    const rng = new Random(seed);
    return Array.from({ length: n }, () => normalizeImageNet(naturalImage(rng, size), size));
  };
  const model = buildMobileNet(
    new Random(SEEDS.mobilenetWeights),
    images(SEEDS.mobilenetCalibration, CALIBRATION_COUNT),
  );
  const file = path.join(outDir, 'mobilenet_v1_bn.onnx');
  fs.mkdirSync(outDir, { recursive: true });
  writeOnnxFile(model, file);
  const dir = freshDir(path.join(outDir, 'mobilenet_v1_bn', 'samples'));
  const samples = images(SEEDS.mobilenetSamples, SAMPLE_COUNT).map((img, i) => {
    const sample = path.join(dir, `${sampleName(i)}.npy`);
    writeNpyFile(sample, Tensor.float32([1, 3, size, size], img));
    return sample;
  });
  return [file, ...samples];
}

function makeMmoe(outDir: string): string[] {
  const data = new MmoeData(new Random(SEEDS.mmoeData));
  const draw = (seed: number, n: number) => {
    const rng = new Random(seed);
    return Array.from({ length: n }, () => data.sample(rng));
  };
  const model = buildMmoe(new Random(SEEDS.mmoeWeights), draw(SEEDS.mmoeCalibration, CALIBRATION_COUNT * 8));
  const file = path.join(outDir, 'mmoe.onnx');
  writeOnnxFile(model, file);
  const dir = freshDir(path.join(outDir, 'mmoe', 'samples'));
  const samples = draw(SEEDS.mmoeSamples, SAMPLE_COUNT).map((s, i) => {
    const sample = path.join(dir, `${sampleName(i)}.npz`);
    writeNpzFile(sample, {
      dense: Tensor.float32([1, MMOE.dense], s.dense),
      ids: Tensor.int64([1, MMOE.fields], s.ids),
    });
    return sample;
  });
  return [file, ...samples];
}

/** Emptied first, so that no sample of an earlier, larger run is left behind. */
function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function sampleName(i: number): string {
  return String(i).padStart(3, '0');
}
