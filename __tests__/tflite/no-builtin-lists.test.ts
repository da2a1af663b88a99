import { describe, expect, it } from 'vitest';
import { builtinLists, isBuiltinHome, PENDING, sources } from './source-scan.js';

/**
 * "Every other list is derived from the registries, never written by hand": outside src/tflite/ops/ (and
 * the flatbuffer schema's enum), no code lists TFLite builtin names.
 */
describe('lists of TFLite builtin names', () => {
  const all = sources();

  it('exist only in src/tflite/ops/', () => {
    const found = all
      .filter((s) => !isBuiltinHome(s.path) && !(s.path in PENDING))
      .flatMap((s) => builtinLists(s.code).map((l) => `${s.path}: ${l}`));
    expect(found).toEqual([]);
  });

  it('flags a hand-written Set, array or table (the check itself)', () => {
    expect(builtinLists(`const MAC = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D']);`)).toHaveLength(1);
    expect(builtinLists(`const T = {\n  CONV_2D: 1,\n  'FULLY_CONNECTED': 2,\n};`)).toHaveLength(1);
    expect(builtinLists(`emit(depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D', inputs);`)).toEqual([]);
    expect(builtinLists(`binary('Max', 'MAXIMUM', true);`)).toEqual([]);
  });

  it('has no stale allowance: each pending file still holds the list it is allowed', () => {
    for (const path of Object.keys(PENDING)) {
      const s = all.find((f) => f.path === path);
      expect(s && builtinLists(s.code).length, path).toBeGreaterThan(0);
    }
  });
});
