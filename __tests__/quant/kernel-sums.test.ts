import { describe, expect, it } from 'vitest';
import { roundKernelSums } from '../../src/quant/kernel-sums.js';

/** Nearest rounding, as quantizeWeights does, for the starting point. */
const nearest = (v: number[], s: number) => Int8Array.from(v, (x) => Math.round(x / s));
const sum = (q: Int8Array, from = 0, to = q.length) => q.subarray(from, to).reduce((a, b) => a + b, 0);

describe('roundKernelSums', () => {
  it('four taps of 0.4 round to 0 each (sum 0); their float sum 1.6 rounds to 2, so two taps take 1', () => {
    const v = Float32Array.from([0.4, 0.4, 0.4, 0.4]);
    const q = nearest([...v], 1);
    expect(sum(q)).toBe(0);
    roundKernelSums(v, q, 4, () => 1);
    expect(sum(q)).toBe(2);
    expect([...q].every((x) => x === 0 || x === 1)).toBe(true);
  });

  it('the tap whose rounding went furthest the wrong way is the one that moves', () => {
    // 0.45 + 0.1 + 0.3 = 0.85 -> 1; nearest gives 0, 0, 0; 0.45 is 0.45 short, the most.
    const v = Float32Array.from([0.1, 0.45, 0.3]);
    const q = nearest([...v], 1);
    roundKernelSums(v, q, 3, () => 1);
    expect([...q]).toEqual([0, 1, 0]);
  });

  it('downwards too: three taps of -0.6 (nearest -1 each, sum -3) keep the float sum -1.8 -> -2', () => {
    const v = Float32Array.from([-0.6, -0.6, -0.6]);
    const q = nearest([...v], 1);
    roundKernelSums(v, q, 3, () => 1);
    expect(sum(q)).toBe(-2);
    expect([...q].filter((x) => x === 0)).toHaveLength(1);
  });

  it('each kernel with its own scale; a kernel already right and 1-tap kernels are left alone', () => {
    // kernel 0 at scale 0.5: taps 0.2/0.5 = 0.4 each, sum 0.8 -> 1; kernel 1 at scale 0.1: 0.7, 0.7 -> 7, 7
    const v = Float32Array.from([0.2, 0.2, 0.7, 0.7]);
    const scales = [0.5, 0.1];
    const q = Int8Array.from(v, (x, i) => Math.round(x / scales[i >> 1]!));
    roundKernelSums(v, q, 2, (k) => scales[k]!);
    expect(sum(q, 0, 2)).toBe(1);
    expect([...q.subarray(2)]).toEqual([7, 7]);
    const one = Int8Array.from([0, 0]);
    roundKernelSums(Float32Array.from([0.4, 0.4]), one, 1, () => 1);
    expect([...one]).toEqual([0, 0]);
  });

  it('never leaves int8 [-127, 127]: taps at the limit do not move', () => {
    const v = Float32Array.from([127.4, 127.4]);
    const q = nearest([...v], 1);
    roundKernelSums(v, q, 2, () => 1);
    expect([...q]).toEqual([127, 127]);
  });
});
