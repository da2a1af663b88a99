import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { keepFirst } from '../../src/pipeline/data.js';
import type { Feeds, SampleSource } from '../../src/quant/calibrate.js';

describe('keepFirst', () => {
  it('gives the same samples on every pass, reading the kept ones from the source once', async () => {
    let reads = 0;
    const source: SampleSource = {
      count: 6,
      kind: 'synthetic',
      async *samples() {
        for (let i = 0; i < 6; i++) {
          reads++;
          yield { x: Tensor.float32([1], [i]) };
        }
      },
    };
    const kept = keepFirst(source, 3);
    const pass = async (limit = Infinity) => {
      const seen: number[] = [];
      for await (const feeds of kept.samples()) {
        if (seen.length >= limit) break;
        seen.push((feeds as Feeds).x!.data[0] as number);
      }
      return seen;
    };
    expect(await pass()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reads).toBe(6);
    // A consumer that stops at the third sample (pulled, not used) stays within the kept ones.
    expect(await pass(2)).toEqual([0, 1]);
    expect(reads).toBe(6);
    expect(await pass()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(kept.count).toBe(6);
  });
});
