import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { inferShapes, inferTypes } from '../../src/ir/shapes.js';
import { supportedOps } from '../../src/convert/index.js';
import { allOps, getOp, loweredOps, register, takesFusedActivation } from '../../src/ops/index.js';
import { GraphBuilder } from '../helpers/graphs.js';

const OPS_DIR = fileURLToPath(new URL('../../src/ops/', import.meta.url));
const SRC_DIR = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

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

  it('every op a lowering, quant rule, descriptor property or rewrite rule names has its file and entry', () => {
    const files = new Set(
      readdirSync(OPS_DIR)
        .filter((f) => /^[A-Z].*\.ts$/.test(f))
        .map((f) => f.slice(0, -3)),
    );
    const named = new Set<string>();
    for (const op of allOps()) {
      const parts = [op.quant, op.tflite, op.fusedActivation, op.nonNegative, op.positivelyHomogeneous];
      if ([...parts, op.resultView, op.outputDType].some((p) => p !== undefined)) named.add(op.opType);
    }
    // The converter's table is the registry's: its list of supported ops is the ops with a lowering.
    expect(supportedOps()).toEqual(loweredOps());
    for (const op of loweredOps()) named.add(op);
    // An op that takes a fused activation is lowered; a fusable activation is lowered on its own too.
    for (const op of allOps()) {
      if (takesFusedActivation(op.opType)) expect(op.tflite, op.opType).toBeDefined();
      if (op.fusedActivation) expect(op.tflite, op.opType).toBeDefined();
    }
    // The optimizer's rewrite rules match ops by name (their roots): each root is a registered op.
    for (const file of sources(path.join(SRC_DIR, 'passes'))) {
      for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(/roots:\s*\[([^\]]*)\]/g)) {
        for (const [, name] of m[1]!.matchAll(/'(\w+)'/g)) named.add(name!);
      }
    }
    expect(named.size).toBeGreaterThan(50);
    for (const op of named) {
      expect(files.has(op), `src/ops/${op}.ts`).toBe(true);
      expect(getOp(op)?.opType, op).toBe(op);
    }
  });

  it('no list of several ONNX op names is written outside src/ops/ (rewrite-rule roots excepted)', () => {
    const registered = new Set(allOps().map((op) => op.opType));
    const found: string[] = [];
    for (const file of sources(SRC_DIR)) {
      const rel = path.relative(SRC_DIR, file);
      if (rel.startsWith(`ops${path.sep}`)) continue;
      const text = stripComments(readFileSync(file, 'utf8'));
      // A bracketed list (array literal, Set or includes() argument) of string literals only.
      for (const m of text.matchAll(/(roots:\s*)?\[(\s*'[^'\n]*'\s*(?:,\s*'[^'\n]*'\s*)+,?\s*)\]/g)) {
        if (m[1] && rel.startsWith(`passes${path.sep}`)) continue;
        const names = [...m[2]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
        // ONNX op names are CamelCase (TFLite builtins are UPPER_CASE); one registered name marks the list.
        const opLike = names.filter((n) => /^[A-Z][A-Za-z0-9]*$/.test(n) && /[a-z]/.test(n));
        if (opLike.length >= 2 && opLike.some((n) => registered.has(n))) {
          found.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${opLike.join(', ')}`);
        }
      }
    }
    expect(found).toEqual([]);
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
