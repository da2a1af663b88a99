/**
 * pow2 --rounding floor: an ADD or SUB of a constant (a HardSigmoid's beta, as the converter writes it)
 * takes back the mean truncation of the MUL and ADD before it. Expected values are worked out by hand in
 * the comments; the integer executor runs the graphs in the arithmetic it documents (pow2Pair:
 * floor(qa s_a / s_out + qb s_b / s_out) + z_out; MUL floor(qa qb s_a s_b / s_out)).
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { foldFloorShifts } from '../../src/quant/tflite/floor-shift.js';
import { createIntegerExecutor } from '../../src/runtime/integer/index.js';
import { TfliteGraphBuilder } from '../runtime/integer/builder.js';

/**
 * x at 2^-3 -> MUL by alpha = 51 at 2^-8 -> m at 2^-6 (floor(51 qx / 32): the product's residue is lost)
 * -> ADD beta = 85 at 3 * 2^-9 (0.498046875, a scale of its own) -> y at 2^-8, zero point -128:
 * floor(4 qm + 127.5) - 128, the half step lost again. `op` SUB computes m - (-beta).
 */
function hardSigmoid(op: 'ADD' | 'SUB' = 'ADD', betaScale = 3 * 2 ** -9, beta = 85) {
  const b = new TfliteGraphBuilder();
  b.input('x', [1, 4], { scale: 2 ** -3 });
  b.int8('alpha', [1], [51], { scale: 2 ** -8 });
  b.value('m', [1, 4], { scale: 2 ** -6 });
  b.node('MUL', ['x', 'alpha'], ['m']);
  b.int8('beta', [1], [op === 'SUB' ? -beta : beta], { scale: betaScale });
  b.value('y', [1, 4], { scale: 2 ** -8, zeroPoint: -128 });
  b.node(op, ['m', 'beta'], ['y']);
  return b;
}

const x = new Tensor('int8', [1, 4], Int8Array.of(1, 2, 3, 4));
const run = (model: ReturnType<TfliteGraphBuilder['outputs']>, rounding: 'floor' | 'nearest') =>
  Array.from(
    createIntegerExecutor(model, { scheme: 'pow2', rounding, biasMode: 'B16' }).run({ x }).y!
      .data as Int8Array,
  );
const beta = (model: ReturnType<TfliteGraphBuilder['outputs']>) => {
  const t = model.graph.initializers.get('beta')!;
  return { q: (t.data as Int8Array)[0]!, scale: t.quant!.scale[0]! };
};

describe('floor corrections: ADD/SUB constants', () => {
  it("moves beta by the MUL's and the ADD's half steps, and the device's gate has the rounding one's mean", () => {
    const model = hardSigmoid().outputs('y');
    const folded = foldFloorShifts(model, 'B16');
    expect(folded.report).toEqual({ corrected: 0, constants: 1 });
    // Half a step of m (2^-7) and of y (2^-9): beta 0.498046875 + 0.009765625 = 0.5078125, still 85 steps.
    expect(beta(folded.model).q).toBe(85);
    expect(85 * beta(folded.model).scale).toBeCloseTo(0.5078125, 12);
    // m: floor(51 qx / 32) = [1, 3, 4, 6] (nearest [2, 3, 5, 6]). Before: floor(4 qm + 127.5) - 128 =
    // [3, 11, 15, 23], mean 13; nearest floor(4 qm + 128) - 128 = [8, 12, 20, 24], mean 16; after the move
    // floor(4 qm + 130) - 128 = [6, 14, 18, 26], mean 16.
    expect(run(model, 'floor')).toEqual([3, 11, 15, 23]);
    expect(run(model, 'nearest')).toEqual([8, 12, 20, 24]);
    expect(run(folded.model, 'floor')).toEqual([6, 14, 18, 26]);
  });

  it('moves a subtracted constant the other way', () => {
    // m - (-85 * 3 * 2^-9): the constant falls to -0.5078125.
    const folded = foldFloorShifts(hardSigmoid('SUB').outputs('y'), 'B16');
    expect(folded.report.constants).toBe(1);
    expect(-85 * beta(folded.model).scale).toBeCloseTo(-0.5078125, 12);
    expect(run(folded.model, 'floor')).toEqual([6, 14, 18, 26]);
  });

  it('moves a constant on a power-of-two grid by whole steps of it', () => {
    // beta = 64 at 2^-7 (0.5): + 0.009765625 = 1.25 steps -> 65.
    const folded = foldFloorShifts(hardSigmoid('ADD', 2 ** -7, 64).outputs('y'), 'B16');
    expect(beta(folded.model)).toEqual({ q: 65, scale: 2 ** -7 });
  });

  it('leaves a constant that other nodes read, and moves none with biases: false for the biases alone', () => {
    const shared = hardSigmoid();
    shared.value('z', [1, 4], { scale: 2 ** -8, zeroPoint: -128 });
    shared.node('ADD', ['m', 'beta'], ['z']);
    const folded = foldFloorShifts(shared.outputs('y', 'z'), 'B16');
    expect(folded.report.constants).toBe(0);
    expect(beta(folded.model)).toEqual({ q: 85, scale: 3 * 2 ** -9 });
    // The constants-only pass (what the measured path starts from) still moves an unshared one.
    expect(foldFloorShifts(hardSigmoid().outputs('y'), 'B16', { biases: false }).report).toEqual({
      corrected: 0,
      constants: 1,
    });
  });
});
