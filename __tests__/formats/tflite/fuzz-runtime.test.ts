/**
 * Damaged corpus models all the way through (issue 15, item 6): read, import, calibrate in LiteRT
 * (the probe model), write, and load and run both the damaged input and the written file in LiteRT.
 * Every outcome is a result or a ModelQuantError (exit 2 in the CLI); any other exception, which the
 * CLI would report as an internal error (exit 3), fails the test, as would a crash or a hang.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelQuantError } from '../../../src/errors.js';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import type { QuantSettings } from '../../../src/quant/quantize.js';
import { concreteInputShapes, syntheticSamples } from '../../../src/quant/samples.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import { loadTflite, type TfliteData } from '../../../src/runtime/litert.js';
import { byteMutations, modelMutations, type Mutator } from './mutations.js';

const require = createRequire(import.meta.url);
const CORPUS = {
  selfie: require.resolve('@mediapipe/selfie_segmentation/selfie_segmentation.tflite'),
  objectron: require.resolve('@mediapipe/objectron/object_detection_3d_chair.tflite'),
};

const SETTINGS: QuantSettings = {
  scheme: 'affine',
  biasMode: 'B16',
  perChannel: true,
  calibMethod: 'minmax',
  percentile: 99.99,
  exclude: [],
};

const ZEROS: Record<string, (n: number) => TfliteData> = {
  float32: (n) => new Float32Array(n),
  int8: (n) => new Int8Array(n),
  uint8: (n) => new Uint8Array(n),
  int32: (n) => new Int32Array(n),
};

async function runInLitert(bytes: Uint8Array, file: string): Promise<void> {
  const runner = await loadTflite(bytes, file);
  try {
    const feeds = runner.inputs.map((p) => {
      const make = ZEROS[p.dtype];
      if (!make) throw new ModelQuantError(`${file}: input of type ${p.dtype}`);
      return make(p.shape.reduce((a, b) => a * b, 1));
    });
    await runner.run(feeds);
  } finally {
    runner.close();
  }
}

/** The pipeline's TFLite path on one sample: import, calibrate (LiteRT), quantize, write, run. */
async function throughPipeline(bytes: Uint8Array, file: string): Promise<void> {
  await runInLitert(bytes, file);
  const model = importTflite(bytes, file);
  const shapes = concreteInputShapes(model.graph, new Map());
  const source = syntheticSamples(model.graph, 1, shapes, new Map());
  const q = await quantizeTfliteModel(model, SETTINGS, source);
  await runInLitert(exportTflite(q.model), `${file} (written)`);
}

type Outcome = 'ok' | 'refused';
async function outcome(mutate: Mutator, original: Uint8Array, i: number): Promise<Outcome> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = mutate(original);
    await throughPipeline(bytes, 'damaged.tflite');
    return 'ok';
  } catch (error) {
    if (error instanceof ModelQuantError && error.message.includes('damaged.tflite')) return 'refused';
    throw new Error(`mutant ${i}: ${(error as Error).stack ?? String(error)}`, { cause: error });
  }
}

/**
 * Mutants of each kind per model through the whole path (about 0.5 s each for selfie_segmentation, 1 s
 * for objectron on a shared 2-core runner). MODEL_QUANT_FUZZ_RUNTIME=500 runs 1,000 per model.
 */
const COUNT = Number(process.env.MODEL_QUANT_FUZZ_RUNTIME ?? 25);

describe.each(Object.entries(CORPUS))('%s: damaged copies through LiteRT and the pipeline', (name, file) => {
  const original = new Uint8Array(readFileSync(file));

  it('1,000 byte-level mutants: each parses or is refused with a ModelFormatError naming the file', () => {
    const mutations = byteMutations(original, 20240611);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        readTflite(mutations[i % mutations.length]!(original), 'damaged.tflite');
      } catch (error) {
        if (!(error instanceof ModelQuantError))
          throw new Error(`mutant ${i}: ${String(error)}`, { cause: error });
        expect(error.message.startsWith('damaged.tflite: ')).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(200);
  });

  it(`${COUNT} byte-level and ${COUNT} model-level mutants through calibration, writing and LiteRT: results or clear errors`, async () => {
    const counts = { ok: 0, refused: 0 };
    const byBytes = byteMutations(original, 7 + name.length);
    const byModel = modelMutations(original, 11 + name.length);
    for (let i = 0; i < COUNT; i++) {
      counts[await outcome(byBytes[i % byBytes.length]!, original, i)]++;
      counts[await outcome(byModel[i % byModel.length]!, original, COUNT + i)]++;
    }
    // Both outcomes occur: the damage reaches what the runtime sees, and not all of it is fatal.
    expect(counts.refused).toBeGreaterThan(COUNT / 4);
    expect(counts.ok).toBeGreaterThan(COUNT / 8);
  }, 600_000);
});
