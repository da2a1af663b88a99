import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../helpers/graphs.js';
import { syntheticSamples } from '../../src/quant/samples.js';

/** mulberry32 as published (Tommy Ettinger), written out here apart from src/quant/samples.ts. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('synthetic samples', () => {
  it('float inputs: Box-Muller cosine normals from two mulberry32 draws each, clipped by input_scale, one stream over inputs and samples', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 3, 5]);
    const y = b.input('y', [1, 7]);
    b.output(b.node('Relu', [x]));
    b.output(b.node('Relu', [y]));
    const g = b.g;
    const shapes = new Map([
      ['x', [1, 2, 3, 5]],
      ['y', [1, 7]],
    ]);
    // y clipped to +-127 / 100 = +-1.27.
    const source = syntheticSamples(g, 3, shapes, new Map([['y', 100]]), 99);
    const next = mulberry32(99);
    const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    let clipped = 0;
    for await (const feeds of source.samples()) {
      const ex = Float32Array.from({ length: 30 }, normal);
      const ey = Float32Array.from({ length: 7 }, () => {
        const v = normal();
        if (Math.abs(v) > 1.27) clipped++;
        return Math.max(-1.27, Math.min(1.27, v));
      });
      expect(Array.from(feeds.x!.toFloat32())).toEqual(Array.from(ex));
      expect(Array.from(feeds.y!.toFloat32())).toEqual(Array.from(ey));
    }
    expect(clipped).toBeGreaterThan(0);
  });
});
