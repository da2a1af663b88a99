import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpyFile } from '../../../src/data/npy.js';
import { readNpzFile } from '../../../src/data/npz.js';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { readTfliteFile } from '../../../src/formats/tflite/import.js';
import type { Feeds, SampleSource } from '../../../src/quant/calibrate.js';
import { runnerFeeds } from '../../../src/quant/tflite/calibrate.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import type { QuantSettings } from '../../../src/quant/quantize.js';
import { loadTflite, type TfliteOutput } from '../../../src/runtime/litert.js';
import { nchwToNhwc, settings, sqnr } from './helpers.js';
import { int8SpecViolations, opList } from './spec-check.js';

/**
 * The generated example models as float TFLite (written by the ONNX -> TFLite converter), quantized
 * from TFLite: 32 samples calibrate, the other 16 measure. The files are optional until the converter
 * commits them; TFLITE_EXAMPLES_DIR points at other copies of the .tflite files.
 */
const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
const MODELS = process.env.TFLITE_EXAMPLES_DIR ?? EXAMPLES;

interface Example {
  name: string;
  load(file: string): Feeds;
  /** Lowest mean output SQNR (dB) accepted; the MobileNet's synthetic weights lose most of it at int8. */
  floor: number;
}

const CASES: Example[] = [
  // Samples are NCHW; the TFLite model takes NHWC.
  { name: 'mobilenet_v1_bn', load: (f) => ({ input: nchwToNhwc(readNpyFile(f)) }), floor: -10 },
  { name: 'mmoe', load: (f) => readNpzFile(f), floor: 15 },
];

const SCHEMES: [string, Partial<QuantSettings>][] = [
  ['affine', { scheme: 'affine' }],
  ['pow2 B16', { scheme: 'pow2', biasMode: 'B16' }],
];

function source(files: string[], load: (f: string) => Feeds): SampleSource {
  return {
    count: files.length,
    kind: 'data',
    async *samples() {
      for (const f of files) yield load(f);
    },
  };
}

for (const ex of CASES) {
  const file = path.join(MODELS, `${ex.name}.tflite`);
  describe.skipIf(!fs.existsSync(file)).each(SCHEMES)(
    `examples/${ex.name}.tflite quantized (%s)`,
    (label, over) => {
      it('gives an int8 file that follows the spec, keeps the op list and runs in LiteRT', async () => {
        const dir = path.join(EXAMPLES, ex.name, 'samples');
        const files = fs
          .readdirSync(dir)
          .sort()
          .map((f) => path.join(dir, f));
        const float = readTfliteFile(file);
        const result = await quantizeTfliteModel(float, settings(over), source(files.slice(0, 32), ex.load));
        const bytes = exportTflite(result.model);
        expect(int8SpecViolations(bytes)).toEqual([]);
        const core = (list: string[]) => list.filter((o) => o !== 'QUANTIZE' && o !== 'DEQUANTIZE');
        expect(core(opList(bytes))).toEqual(core(opList(exportTflite(float))));
        const inputs = float.graph.inputs.map((v) => v.name);
        const [ref, int8] = [await loadTflite(exportTflite(float)), await loadTflite(bytes)];
        const db: Record<string, number[]> = {};
        for (const f of files.slice(32)) {
          const feeds = ex.load(f);
          const a: Record<string, TfliteOutput> = await ref.run(runnerFeeds(ref, inputs, feeds));
          const b: Record<string, TfliteOutput> = await int8.run(runnerFeeds(int8, inputs, feeds));
          for (const k of Object.keys(a))
            (db[k] ??= []).push(sqnr(a[k]!.data as Float32Array, b[k]!.data as Float32Array));
        }
        ref.close();
        int8.close();
        const means = Object.entries(db).map(
          ([k, v]) => [k, v.reduce((s, x) => s + x, 0) / v.length] as const,
        );
        console.log(
          `${ex.name} ${label}: mean output SQNR ${means.map(([k, v]) => `${k} ${v.toFixed(1)} dB`).join(', ')}`,
        );
        for (const [, v] of means) expect(v).toBeGreaterThan(ex.floor);
      });
    },
  );
}
