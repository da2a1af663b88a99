import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadTflite, type TfliteData, type TfliteOutput } from '../../../src/runtime/litert.js';

const require = createRequire(import.meta.url);

export const SELFIE_PATH = require.resolve('@mediapipe/selfie_segmentation/selfie_segmentation.tflite');
export const selfieBytes = (): Uint8Array => new Uint8Array(readFileSync(SELFIE_PATH));

/** A fixed, non-trivial 256x256 RGB image in [0, 1]. */
export function selfieInput(): Float32Array {
  const data = new Float32Array(256 * 256 * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 999;
  return data;
}

/** Runs a model in LiteRT and returns its outputs by name. */
export async function runTflite(
  bytes: Uint8Array,
  feeds: TfliteData[] | Record<string, TfliteData>,
): Promise<Record<string, TfliteOutput>> {
  const runner = await loadTflite(bytes);
  try {
    return await runner.run(feeds);
  } finally {
    runner.close();
  }
}

export const bitsOf = (o: TfliteOutput): Buffer =>
  Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength);

/** The project's seeded generator (mulberry32): the same mutations on every run. */
export { rng as prng } from '../../../src/quant/samples.js';
