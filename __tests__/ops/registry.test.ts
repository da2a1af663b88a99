import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { inferShapes, inferTypes } from '../../src/ir/shapes.js';
import { allOps, getOp, register } from '../../src/ops/index.js';
import { GraphBuilder } from '../helpers/graphs.js';

const OPS_DIR = fileURLToPath(new URL('../../src/ops/', import.meta.url));

describe('op table', () => {
  it('registers every op file under the op it is named for', () => {
    const files = readdirSync(OPS_DIR)
      .filter((f) => /^[A-Z].*\.ts$/.test(f))
      .map((f) => f.slice(0, -3));
    expect(files.length).toBeGreaterThan(50);
    for (const name of files) expect(getOp(name)?.opType, name).toBe(name);
    expect(
      allOps()
        .map((op) => op.opType)
        .sort(),
    ).toEqual([...files].sort());
  });

  it('throws on a duplicate registration', () => {
    expect(() => register({ opType: 'Conv' })).toThrow(/Conv is registered twice/);
  });
});

describe('inferTypes', () => {
  it('carries symbolic dims through ops that keep them', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3, 'H', 'W']);
    const conv = b.node('Conv', [x, b.weight('w', [4, 3, 3, 3])], { pads: ints([1, 1, 1, 1]) });
    const pool = b.node('GlobalAveragePool', [conv]);
    const flat = b.node('Reshape', [pool, b.init('s', Tensor.int64([2], [0, -1]))]);
    const sum = b.node('Add', [flat, b.input('y', [1, 4])]);
    b.output(sum);
    const types = inferTypes(b.g);
    expect(types.get(conv)).toEqual({ kind: 'tensor', dtype: 'float32', shape: ['N', 4, null, null] });
    expect(types.get(pool)).toMatchObject({ shape: ['N', 4, 1, 1] });
    expect(types.get(flat)).toMatchObject({ shape: ['N', null] });
    expect(types.get(sum)).toMatchObject({ shape: ['N', 4] });
  });

  it('leaves unknown ops and other domains unknown without throwing', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 8]);
    const t = b.node('CONV_2D', [x], {}, 'tflite');
    const u = b.node('MysteryOp', [x]);
    const r = b.node('Relu', [t]);
    b.g.outputs.push({ name: r }, { name: u });
    const types = inferTypes(b.g);
    expect(types.get(t)).toBeUndefined();
    expect(types.get(u)).toBeUndefined();
    expect(types.get(r)).toBeUndefined();
  });

  it('a Reshape to a non-constant shape of known length has that rank', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3, 4]);
    const shape = b.node('Concat', [b.input('a', [1], 'int64'), b.input('c', [1], 'int64')], {
      axis: int(0),
    });
    const r = b.node('Reshape', [x, shape]);
    b.output(r);
    expect(inferTypes(b.g).get(r)).toMatchObject({ shape: [null, null] });
  });

  it('inferShapes fills value_info on a new graph and leaves the input alone', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3]);
    const r = b.node('Relu', [x]);
    const s = b.node('Sigmoid', [r]);
    b.output(s);
    const out = inferShapes(b.g);
    expect(b.g.valueInfo.size).toBe(0);
    expect(out.valueInfo.get(r)?.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [1, 3] });
    expect(out.valueInfo.has(s)).toBe(false);
  });
});
