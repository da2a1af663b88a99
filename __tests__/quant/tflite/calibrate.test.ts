import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import {
  calibrateStats,
  type CalibrationOptions,
  type Feeds,
  type SampleSource,
} from '../../../src/quant/calibrate.js';
import type { Model } from '../../../src/ir/graph.js';
import { floats, generatedSource, smoothImage } from './helpers.js';
import { tinyModel } from './tiny.js';

const image = (seed: number) => smoothImage(8, 8, 3, seed, -1, 2);

/** A source that counts how often it is read from the start. */
function countingSource(count: number) {
  const log = { passes: 0 };
  const inner = generatedSource('x', [1, 8, 8, 3], count, image);
  const source: SampleSource = {
    count,
    kind: 'synthetic',
    async *samples() {
      log.passes++;
      for await (const feeds of inner.samples()) yield feeds as Feeds;
    },
  };
  return { source, log };
}

const opts = { method: 'minmax' as const, percentile: 99.99 };

/** calibrateStats' ranges for a TFLite-domain model (it runs in LiteRT). */
const calibrateTflite = async (m: Model, t: string[], s: SampleSource, o: CalibrationOptions) =>
  (await calibrateStats(m, t, s, o)).ranges;

describe('calibrateStats on a TFLite-domain model (LiteRT)', () => {
  it('gives each tensor the min/max over the samples as LiteRT computes them (0 always inside; the output with headroom)', async () => {
    const { source } = countingSource(5);
    const ranges = await calibrateTflite(tinyModel(), ['x', 'c1', 's', 'y'], source, opts);
    const runner = await loadTflite(exportTflite(tinyModel()));
    let [lo, hi, yHi] = [Infinity, -Infinity, -Infinity];
    for (let s = 1; s <= 5; s++) {
      const x = image(s);
      for (const v of x) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      for (const v of floats((await runner.run([x])).y)) yHi = Math.max(yHi, v);
    }
    runner.close();
    expect(ranges.get('x')).toEqual({ min: lo, max: hi });
    // y is the model's output: min/max widened by an eighth of the range (resultTensors)
    expect(ranges.get('y')!.min).toBe(0);
    expect(ranges.get('y')!.max).toBeCloseTo(yHi * (9 / 8), 6);
    const c1 = ranges.get('c1')!;
    expect(c1.min).toBe(0);
    expect(c1.max).toBeGreaterThan(0.5);
    expect(c1.max).toBeLessThanOrEqual(6);
    expect(ranges.get('s')!.max).toBeLessThanOrEqual(1);
  });

  it('reads the samples once, for minmax and for histogram methods (their bins grow with the range)', async () => {
    const minmax = countingSource(6);
    const progress: [number, number, number][] = [];
    await calibrateTflite(tinyModel(), ['c1'], minmax.source, {
      ...opts,
      onSample: (...a) => progress.push(a),
    });
    expect(minmax.log).toEqual({ passes: 1 });
    expect(progress.at(-1)).toEqual([1, 6, 6]);
    const percentile = countingSource(6);
    const clipped = await calibrateTflite(tinyModel(), ['c1'], percentile.source, {
      method: 'percentile',
      percentile: 90,
    });
    expect(percentile.log).toEqual({ passes: 1 });
    const full = await calibrateTflite(tinyModel(), ['c1'], countingSource(6).source, opts);
    expect(clipped.get('c1')!.max).toBeLessThan(full.get('c1')!.max);
  });

  it('stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      calibrateTflite(tinyModel(), ['c1'], countingSource(2).source, { ...opts, signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });
});
