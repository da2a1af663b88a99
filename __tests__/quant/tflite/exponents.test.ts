import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { probeModel } from '../../../src/quant/tflite/calibrate.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import { floats, generatedSource, settings, smoothImage } from './helpers.js';
import { tinyModel } from './tiny.js';

const image = (seed: number) => smoothImage(8, 8, 3, seed, -1, 2);
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const source = generatedSource('x', [1, 8, 8, 3], SEEDS.length, image);

/** Squared error of symmetric int8 at `scale` over `values`. */
function int8Error(values: Float32Array[], scale: number): number {
  let e = 0;
  for (const v of values)
    for (const x of v) e += (Math.max(-128, Math.min(127, Math.round(x / scale))) * scale - x) ** 2;
  return e;
}

describe('--activation_exponents error on a .tflite input', () => {
  it('moves some pow2 activation exponents, each to one of no more int8 error on the calibration values (LiteRT)', async () => {
    const model = tinyModel();
    const base = settings({ scheme: 'pow2', calibMethod: 'percentile', percentile: 99.99 });
    const byRange = await quantizeTfliteModel(model, base, source);
    const byError = await quantizeTfliteModel(model, { ...base, pow2Exponents: 'error' }, source);
    const moved = [...byError.activations].filter(
      ([name, p]) => p.scale[0] !== byRange.activations.get(name)!.scale[0],
    );
    expect(moved.length).toBeGreaterThan(0);
    const names = moved.map(([name]) => name);
    const runner = await loadTflite(exportTflite(probeModel(model, names)));
    const values = names.map(() => [] as Float32Array[]);
    for (const seed of SEEDS) {
      const r = await runner.run([image(seed)]);
      names.forEach((n, i) => values[i]!.push(floats(r[n])));
    }
    runner.close();
    moved.forEach(([name, p], i) => {
      const [chosen, range] = [p.scale[0]!, byRange.activations.get(name)!.scale[0]!];
      expect(Number.isInteger(Math.log2(chosen / range))).toBe(true);
      // The choice is made on binned histograms of |x|: a near-tie may go either way by a bin's worth.
      expect(int8Error(values[i]!, chosen)).toBeLessThan(1.01 * int8Error(values[i]!, range));
    });
  });
});
