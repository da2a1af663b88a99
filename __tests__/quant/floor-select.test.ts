/**
 * pow2 --rounding floor: backward elimination over the moved conv/FC biases (src/pipeline/floor-select.ts).
 * The score stands for the device's calibration SQNR; its value per set of moves is written out below, so
 * the expected choice follows by hand.
 */
import { describe, expect, it } from 'vitest';
import { Graph, type Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { selectCorrections } from '../../src/pipeline/floor-select.js';

const model = (biases: Record<string, number[]>): Model => {
  const g = new Graph();
  for (const [name, v] of Object.entries(biases))
    g.initializers.set(name, new Tensor('int32', [v.length], Int32Array.from(v)));
  return { graph: g } as Model;
};
const before = model({ a: [0, 0], b: [10], c: [5], d: [7] });
const after = model({ a: [32, 0], b: [-54], c: [37], d: [7] });
const moved = (m: Model) =>
  ['a', 'b', 'c'].filter(
    (n) => m.graph.initializers.get(n)!.data[0] !== before.graph.initializers.get(n)!.data[0],
  );

describe('selectCorrections', () => {
  it('takes back, one at a time, the moves the score is better without', async () => {
    // Each move adds its own figure: a +1 dB, b -2 dB (an overshooting whole-step move), c +0.5 dB; from
    // 20 dB with none. All three: 19.5; without a 18.5, without b 21.5, without c 19: b goes (21.5). Then
    // without a 20.5, without c 21: neither beats 21.5, so a and c stay.
    const gains: Record<string, number> = { a: 1, b: -2, c: 0.5 };
    const calls: number[] = [];
    const score = async (ms: Model[]) => {
      calls.push(ms.length);
      return ms.map((m) => 20 + moved(m).reduce((s, n) => s + gains[n]!, 0));
    };
    const r = await selectCorrections(before, after, score);
    expect(moved(r.model)).toEqual(['a', 'c']);
    expect(r.dropped).toBe(1);
    expect(r.score).toBe(21.5);
    // The full set and none, then backward (3 candidates, then 2) and forward from none: adding a (21),
    // b (18) or c (20.5): a; then b (19) or c (21.5): c; then b (19.5): stop at {a, c} 21.5 too, no better
    // than backward's.
    expect(calls).toEqual([2, 3, 2, 3, 2, 1]);
    // The kept biases are the corrected ones, the dropped one the original.
    expect(Array.from(r.model.graph.initializers.get('b')!.data as Int32Array)).toEqual([10]);
    expect(Array.from(r.model.graph.initializers.get('a')!.data as Int32Array)).toEqual([32, 0]);
  });

  it('keeps every move when none costs more than noise (0.05 dB)', async () => {
    const score = async (ms: Model[]) => ms.map((m) => 20 + moved(m).length * 0.01);
    const r = await selectCorrections(before, after, score);
    expect(moved(r.model)).toEqual(['a', 'b', 'c']);
    expect(r.dropped).toBe(0);
  });

  it('adds moves one at a time to none where taking them back from all of them stalls', async () => {
    // Moves that only gain alone: none 21, {a} 21.5, every other set 20 except all three, 20.9. Backward
    // from all three: each removal leaves a pair (20), so it stays at 20.9; forward from none: a (21.5),
    // then a pair (20): {a} at 21.5, better than 20.9 by more than 0.05.
    const table: Record<string, number> = { '': 21, a: 21.5, 'a,b,c': 20.9 };
    const score = async (ms: Model[]) => ms.map((m) => table[moved(m).join(',')] ?? 20);
    const r = await selectCorrections(before, after, score);
    expect(moved(r.model)).toEqual(['a']);
    expect([r.dropped, r.score]).toEqual([2, 21.5]);
  });
});
