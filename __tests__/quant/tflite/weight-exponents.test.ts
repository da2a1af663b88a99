import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { quantizeTfliteModel } from '../../../src/quant/tflite/index.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import { floats, generatedSource, settings, smoothImage, sqnr } from './helpers.js';
import { tinyModel } from './tiny.js';

const image = (seed: number) => smoothImage(8, 8, 3, seed, -1, 2);
const source = generatedSource('x', [1, 8, 8, 3], 4, image);

/** Squared error of symmetric int8 at `scale` over the values of channel `c` (axis 0, [C, ...]). */
function channelError(values: Float32Array, channels: number, c: number, scale: number): number {
  const inner = values.length / channels;
  let e = 0;
  for (let i = c * inner; i < (c + 1) * inner; i++) {
    const v = values[i]!;
    e += (Math.max(-128, Math.min(127, Math.round(v / scale))) * scale - v) ** 2;
  }
  return e;
}

describe('--weight_exponents error on a .tflite input', () => {
  it('moves some conv and FC channels to a finer grid of less weight error; the file runs in LiteRT', async () => {
    const model = tinyModel();
    const base = settings({ scheme: 'pow2', inputScale: { kind: 'auto' } });
    const byRange = await quantizeTfliteModel(model, base, source);
    const byError = await quantizeTfliteModel(model, { ...base, pow2WeightExponents: 'error' }, source);
    let moved = 0;
    // w1: CONV_2D [8, 3, 3, 3]; w3: FULLY_CONNECTED [10, 256]; both per output channel on axis 0.
    for (const name of ['w1', 'w3']) {
      const w = model.graph.initializers.get(name)!;
      const values = w.toFloat32();
      const [chosen, range] = [byError.weights.get(name)!, byRange.weights.get(name)!];
      for (let c = 0; c < w.dims[0]!; c++) {
        const [sc, sr] = [chosen.scale[c]!, range.scale[c]!];
        if (sc === sr) continue;
        moved++;
        expect([sr / 2, sr / 4]).toContain(sc);
        expect(channelError(values, w.dims[0]!, c, sc)).toBeLessThan(channelError(values, w.dims[0]!, c, sr));
      }
    }
    expect(moved).toBeGreaterThan(0);
    const float = await loadTflite(exportTflite(model));
    const int8 = await loadTflite(exportTflite(byError.model));
    const x = image(9);
    const [ref, got] = [floats((await float.run([x])).y), floats((await int8.run([x])).y)];
    float.close();
    int8.close();
    expect(sqnr(ref, got)).toBeGreaterThan(20);
  });
});
