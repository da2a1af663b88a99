import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { loadTflite } from '../../src/runtime/litert.js';

const require = createRequire(import.meta.url);
const SELFIE = require.resolve('@mediapipe/selfie_segmentation/selfie_segmentation.tflite');

/** A fixed, non-trivial image: smooth gradients per channel in [0, 1]. */
function fixedInput(): Float32Array {
  const data = new Float32Array(256 * 256 * 3);
  for (let y = 0; y < 256; y++)
    for (let x = 0; x < 256; x++)
      for (let c = 0; c < 3; c++) data[(y * 256 + x) * 3 + c] = ((x * (c + 1) + y * (3 - c)) % 256) / 255;
  return data;
}

describe('LiteRT adapter', () => {
  it('runs selfie_segmentation: sigmoid mask of the right shape, deterministic', async () => {
    const runner = await loadTflite(new Uint8Array(readFileSync(SELFIE)), 'selfie_segmentation.tflite');
    // No SignatureDef: LiteRT names the ports by their tensors.
    expect(runner.inputs).toEqual([
      { name: 'input_1', tensorName: 'input_1', shape: [1, 256, 256, 3], dtype: 'float32' },
    ]);
    expect(runner.outputs).toEqual([
      { name: 'activation_10', tensorName: 'activation_10', shape: [1, 256, 256, 1], dtype: 'float32' },
    ]);
    const input = fixedInput();
    const first = await runner.run({ input_1: input });
    const second = await runner.run([input]);
    runner.close();
    const mask = first.activation_10!;
    expect(mask.shape).toEqual([1, 256, 256, 1]);
    expect(mask.dtype).toBe('float32');
    const values = mask.data as Float32Array;
    expect(values.length).toBe(256 * 256);
    expect(values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(0.01);
    expect(Buffer.from(second.activation_10!.data.buffer).equals(Buffer.from(values.buffer))).toBe(true);
  });

  it('names the input when the feed has the wrong type or size', async () => {
    const runner = await loadTflite(new Uint8Array(readFileSync(SELFIE)));
    await expect(runner.run([new Int8Array(256 * 256 * 3)])).rejects.toThrow(/input 'input_1' is float32/);
    await expect(runner.run([new Float32Array(10)])).rejects.toThrow(
      /input 'input_1' has shape \[1,256,256,3\]/,
    );
    await expect(runner.run({})).rejects.toThrow(/no data for input 'input_1'/);
    runner.close();
    await expect(runner.run([fixedInput()])).rejects.toThrow(/closed/);
  });

  it('rejects bytes that are not a model with a ModelFormatError naming the file', async () => {
    const bad = loadTflite(new Uint8Array(1000).fill(7), 'junk.tflite');
    await expect(bad).rejects.toBeInstanceOf(ModelFormatError);
    // The project's reader checks the bytes before LiteRT gets them.
    await expect(loadTflite(new Uint8Array(16), 'junk.tflite')).rejects.toThrow(
      /^junk\.tflite: not a TFLite model/,
    );
  });
});
