import { createRequire } from 'node:module';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { byteMutations, modelMutations } from '../formats/tflite/mutations.js';
import { cleanUp, Tally, throughPipeline } from './pipeline.js';

afterAll(cleanUp);

const require = createRequire(import.meta.url);

/**
 * 1,000 damaged .tflite files from the corpus through the whole pipeline (issue 15): 600 copies of
 * selfie_segmentation and 400 of objectron's chair model, half with byte-level damage (bit rot,
 * truncation, overwritten spans, wild offsets) and half with model-level damage the reader accepts
 * (wrong shapes, operands, types, subgraph references). None may end in an internal error, a crash or a
 * hang; the runtime faults LiteRT's WASM meets are clear errors naming the file and LiteRT.
 */
const MODELS = [
  {
    name: 'selfie_segmentation',
    file: '@mediapipe/selfie_segmentation/selfie_segmentation.tflite',
    count: 600,
  },
  { name: 'objectron_chair', file: '@mediapipe/objectron/object_detection_3d_chair.tflite', count: 400 },
];

describe('1,000 damaged corpus .tflite files through the pipeline', () => {
  it.each(MODELS)(
    '$count damaged copies of $name: each a run or a clear error naming the file, nothing left behind',
    async ({ name, file, count: full }) => {
      // MODEL_QUANT_FUZZ_SCALE=0.05 runs a twentieth, for a quick look.
      const count = Math.ceil(full * Number(process.env.MODEL_QUANT_FUZZ_SCALE ?? 1));
      const original = new Uint8Array(fs.readFileSync(require.resolve(file)));
      const byBytes = byteMutations(original, 31 + name.length);
      const byModel = modelMutations(original, 37 + name.length);
      const tally = new Tally();
      for (let i = 0; i < count; i++) {
        const [kind, mutators] = i % 2 ? ['model', byModel] : ['bytes', byBytes];
        const mutant = mutators[i % mutators.length]!(original);
        tally.add(`${name} mutant ${i} (${kind})`, await throughPipeline(mutant, `${name}_${i}.tflite`, {}));
      }
      console.log(`tflite fuzz ${name}: ${JSON.stringify(tally.counts)}, slowest ${tally.slowest} ms`);
      expect(tally.failures).toEqual([]);
      expect(tally.counts.refused).toBeGreaterThan(count / 10);
      expect(tally.counts.ok).toBeGreaterThan(count / 10);
    },
    3_600_000,
  );
});
