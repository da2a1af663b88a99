import path from 'node:path';
import { exportTflite } from '../src/formats/tflite/export.js';
import { readTfliteFile } from '../src/formats/tflite/import.js';
import type { Model } from '../src/ir/graph.js';
import type { QuantSettings } from '../src/quant/quantize.js';
import { quantizeTfliteModel } from '../src/quant/tflite/index.js';
import { loadTflite } from '../src/runtime/litert.js';
import { generatedSource, selfieImage, settings, sqnr } from '../__tests__/quant/tflite/helpers.js';
import { ROOT, table, type BenchSection } from './section.js';

/**
 * A .tflite input through the quantizer with and without cross-layer equalization (eq) and bias
 * correction (bc): output SQNR against the float model in LiteRT, on synthetic selfies (the selfie
 * tests' images) that calibration did not see. Measured (8 calibration, 8 held-out images; mean mask
 * SQNR in dB, - / eq / bc / eq+bc): selfie pow2 B16 8.3 / 6.9 / 6.9 / 8.7, B8 8.5 / 7.7 / 7.7 / 7.8,
 * affine 7.0 / 6.8 / 7.0 / 7.0; landscape pow2 B16 5.7 / 7.0 / 4.5 / 7.9, B8 4.2 / 7.8 / 5.6 / 6.6,
 * affine 10.2 / 9.6 / 11.6 / 10.9 (14 pairs equalized in each).
 */

const SELFIE = 'node_modules/@mediapipe/selfie_segmentation';
const CALIBRATION = 8;
const HELD_OUT = [101, 102, 103, 104, 105, 106, 107, 108];

interface Case {
  name: string;
  file: string;
  dims: [number, number, number, number];
  image(seed: number): Float32Array;
}

/** The landscape model takes 144 x 256: the middle rows of a synthetic selfie. */
const landscape = (seed: number) => selfieImage(seed).slice(56 * 256 * 3, (56 + 144) * 256 * 3);

const CASES: Case[] = [
  {
    name: 'selfie',
    file: `${SELFIE}/selfie_segmentation.tflite`,
    dims: [1, 256, 256, 3],
    image: selfieImage,
  },
  {
    name: 'selfie landscape',
    file: `${SELFIE}/selfie_segmentation_landscape.tflite`,
    dims: [1, 144, 256, 3],
    image: landscape,
  },
];

const SCHEMES: [string, Partial<QuantSettings>][] = [
  ['pow2 B16', { scheme: 'pow2', biasMode: 'B16', calibMethod: 'percentile', percentile: 99.99 }],
  ['pow2 B8', { scheme: 'pow2', biasMode: 'B8', calibMethod: 'percentile', percentile: 99.99 }],
  ['affine', { scheme: 'affine', calibMethod: 'percentile', percentile: 99.99 }],
];

const VARIANTS: [string, Partial<QuantSettings>][] = [
  ['-', {}],
  ['eq', { equalize: true }],
  ['bc', { biasCorrection: true }],
  ['eq+bc', { equalize: true, biasCorrection: true }],
];

/** Mean output SQNR (dB) of `model` against `float`, both in LiteRT, over the held-out images. */
async function heldOutSqnr(float: Model, quantized: Model, c: Case): Promise<number> {
  const [ref, test] = await Promise.all([
    loadTflite(exportTflite(float)),
    loadTflite(exportTflite(quantized)),
  ]);
  try {
    let sum = 0;
    for (const seed of HELD_OUT) {
      const x = c.image(seed);
      const [r, t] = [await ref.run([x]), await test.run([x])];
      const name = ref.outputs[0]!.name;
      sum += sqnr(r[name]!.data as Float32Array, t[name]!.data as Float32Array);
    }
    return sum / HELD_OUT.length;
  } finally {
    ref.close();
    test.close();
  }
}

export const tfliteQuantSection: BenchSection = {
  name: 'tflite-quant',
  description:
    'a .tflite input quantized with/without --equalize and --bias_correction: output SQNR vs float in LiteRT, held-out synthetic selfies',
  async run() {
    const rows: string[][] = [];
    for (const c of CASES) {
      const float = readTfliteFile(path.join(ROOT, c.file));
      const input = float.graph.inputs[0]!.name;
      const source = generatedSource(input, c.dims, CALIBRATION, (seed) => c.image(seed));
      for (const [scheme, s] of SCHEMES) {
        const row = [c.name, scheme];
        for (const [, v] of VARIANTS) {
          const q = await quantizeTfliteModel(float, settings({ ...s, ...v }), source);
          row.push((await heldOutSqnr(float, q.model, c)).toFixed(2));
          if (v.equalize && !v.biasCorrection) row.push(String(q.equalization?.pairs.length ?? 0));
        }
        rows.push(row);
      }
    }
    console.log(table(['model', 'scheme', '-', 'eq', 'pairs', 'bc', 'eq+bc'], rows));
  },
};
