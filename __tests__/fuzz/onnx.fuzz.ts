import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { buildTfOrigin } from '../../scripts/examples/tf-origin.js';
import { PADDLE_CLS, rng } from '../formats/onnx/helpers.js';
import { MUTATIONS, mutate, varintsOf } from '../formats/onnx/mutations.js';
import { cleanUp, Tally, throughPipeline } from './pipeline.js';

afterAll(cleanUp);

/**
 * 1,000 damaged ONNX models through the whole pipeline (issue 15): 200 copies of PP-OCR cls from the
 * corpus (about 2 s each that parse, at a 64-pixel-wide line) and 800 of the TF-origin CNN the examples
 * build (8x8, a fraction of a second each), every kind of damage (bit flips, truncation, overwritten
 * spans, corrupted varints) in turn. None may end in an internal error, a crash or a hang.
 */
const MODELS = [
  { name: 'ppocr_cls', bytes: new Uint8Array(fs.readFileSync(PADDLE_CLS)), count: 200, shape: '1x3x48x64' },
  { name: 'tf_origin', bytes: exportOnnx(buildTfOrigin(8)).bytes, count: 800, shape: '1x8x8x3' },
];

describe('1,000 damaged ONNX models through the pipeline', () => {
  it.each(MODELS)(
    '$count damaged copies of $name: each a run or a clear error naming the file, nothing left behind',
    async ({ name, bytes, count: full, shape }) => {
      // MODEL_QUANT_FUZZ_SCALE=0.05 runs a twentieth, for a quick look.
      const count = Math.ceil(full * Number(process.env.MODEL_QUANT_FUZZ_SCALE ?? 1));
      const varints = varintsOf(bytes);
      const tally = new Tally();
      for (let i = 0; i < count; i++) {
        const kind = MUTATIONS[i % MUTATIONS.length]!;
        const mutant = mutate(bytes, kind, rng(5000 + i), varints);
        tally.add(
          `${name} mutant ${i} (${kind})`,
          await throughPipeline(mutant, `${name}_${i}.onnx`, { input_shape: shape }),
        );
      }
      console.log(`onnx fuzz ${name}: ${JSON.stringify(tally.counts)}, slowest ${tally.slowest} ms`);
      expect(tally.failures).toEqual([]);
      // Both outcomes occur: the damage reaches the pipeline, and not all of it is fatal.
      expect(tally.counts.refused).toBeGreaterThan(count / 10);
      expect(tally.counts.ok).toBeGreaterThan(count / 10);
    },
    3_600_000,
  );
});
