/**
 * pow2 files for truncating hardware (--rounding floor): the biases carry the rounding the hardware's
 * shifts lack. Expected values are worked out by hand in the comments; the integer executor runs them in
 * the arithmetic it documents (floor((Σ + b16) / 2^k), floor(Σ / 2^k) + b8).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { quantizeBias } from '../../src/quant/params.js';
import { fitB16Bias } from '../../src/quant/qdq.js';
import { foldFloorShifts } from '../../src/quant/tflite/floor-shift.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../src/runtime/integer/index.js';
import { cli } from '../helpers/cli.js';
import { TfliteGraphBuilder } from '../runtime/integer/builder.js';

const int8 = (dims: number[], values: number[]) => new Tensor('int8', dims, Int8Array.from(values));
const run = (
  b: TfliteGraphBuilder | ReturnType<TfliteGraphBuilder['outputs']>,
  opts: IntegerExecutorOptions,
  x: Tensor,
) => {
  const model = b instanceof TfliteGraphBuilder ? b.outputs('y') : b;
  return Array.from(
    createIntegerExecutor(model, { scheme: 'pow2', ...opts }).run({ x }).y!.data as Int8Array,
  );
};

/**
 * FULLY_CONNECTED, x = [10, -3, 7] at 2^-3, w = [[5, 2, -1], [-4, 6, 3]] at [2^-4, 2^-5], y at 2^-2:
 * acc = [37, -37], accumulator scales [2^-7, 2^-8], k = [5, 6]; float bias [0.3, -0.2].
 */
function fc(bias: ArrayLike<number>) {
  const b = new TfliteGraphBuilder();
  b.input('x', [1, 3], { scale: 2 ** -3 });
  b.int8('w', [2, 3], [5, 2, -1, -4, 6, 3], { scale: [2 ** -4, 2 ** -5] });
  b.int32('b', [2], bias, { scale: [2 ** -7, 2 ** -8] });
  b.value('y', [1, 2], { scale: 2 ** -2 });
  b.node('FULLY_CONNECTED', ['x', 'w', 'b'], ['y']);
  return b;
}
const bias = (mode: 'B8' | 'B16', rounding: 'floor' | 'nearest') =>
  Array.from(
    quantizeBias(
      Float32Array.of(0.3, -0.2),
      2 ** -3,
      Float64Array.of(2 ** -4, 2 ** -5),
      mode,
      2 ** -2,
      rounding,
    ),
  );

describe.each([true, false])('floor biases in the integer executor (wasm %s)', (wasm) => {
  const x = int8([1, 3], [10, -3, 7]);

  it('B16: the bias holds round(b / (s_in s_w)) + 2^(k-1), and floor then computes what nearest does', () => {
    // round(0.3 * 2^7) + 2^4 = 38 + 16 = 54; round(-0.2 * 2^8) + 2^5 = -51 + 32 = -19.
    expect(bias('B16', 'floor')).toEqual([54, -19]);
    expect(bias('B16', 'nearest')).toEqual([38, -51]);
    // floor((37 + 54) / 32) = floor(2.84) = 2; floor((-37 - 19) / 64) = floor(-0.875) = -1.
    expect(run(fc([54, -19]), { wasm, biasMode: 'B16', rounding: 'floor' }, x)).toEqual([2, -1]);
    // nearest on the plain bias: floor((37 + 38 + 16) / 32) = 2, floor((-37 - 51 + 32) / 64) = -1.
    expect(run(fc([38, -51]), { wasm, biasMode: 'B16', rounding: 'nearest' }, x)).toEqual([2, -1]);
  });

  it('B8: the bias holds round(b / s_out + 1/2) 2^k', () => {
    // b / s_out = [1.2, -0.8]: round(1.7) = 2 -> 2 * 32 = 64; round(-0.3) = 0 -> 0. nearest: [1, -1] -> [32, -64].
    expect(bias('B8', 'floor')).toEqual([64, 0]);
    expect(bias('B8', 'nearest')).toEqual([32, -64]);
    // floor(37 / 32) + 2 = 3; floor(-37 / 64) + 0 = -1 (exact values 2.36 and -1.38).
    expect(run(fc([64, 0]), { wasm, biasMode: 'B8', rounding: 'floor' }, x)).toEqual([3, -1]);
  });

  /**
   * MEAN over 2x2 pixels (x at 2^-3, output at 2^-3: floor(Σ / 4), which is on average half a step below
   * Σ / 4 rounded half up) -> FC w = [[40, 40, 40], [-4, 6, 3]] at 2^-4, y at 2^-2 (k = 5).
   */
  function meanFc(b: number[]) {
    const g = new TfliteGraphBuilder();
    g.input('x', [1, 2, 2, 3], { scale: 2 ** -3 });
    g.int32('axes', [2], [1, 2]);
    g.value('m', [1, 3], { scale: 2 ** -3 });
    g.node('MEAN', ['x', 'axes'], ['m'], { keep_dims: 0 });
    g.int8('w', [2, 3], [40, 40, 40, -4, 6, 3], { scale: [2 ** -4, 2 ** -4] });
    g.int32('b', [2], b, { scale: [2 ** -7, 2 ** -7] });
    g.value('y', [1, 2], { scale: 2 ** -2 });
    g.node('FULLY_CONNECTED', ['m', 'w', 'b'], ['y']);
    return g.outputs('y');
  }
  const biasOf = (m: ReturnType<typeof meanFc>) =>
    Array.from(m.graph.initializers.get('b')!.data as Int32Array);

  it("a MEAN's truncation reaches the next FC's bias: + Σw / 2 accumulator steps per channel", () => {
    // mu = -1/2 step of m; Σw = [120, 5]: B16 [10 + 60, round(-10 + 2.5)] = [70, -7].
    const b16 = foldFloorShifts(meanFc([10, -10]), 'B16');
    expect(b16.report.corrected).toBe(1);
    expect(biasOf(b16.model)).toEqual([70, -7]);
    // B8 (b8 2^5): (32 + 60) / 32 = 2.875 -> 3 -> 96; (-32 + 2.5) / 32 = -0.92 -> -1 -> -32.
    expect(biasOf(foldFloorShifts(meanFc([32, -32]), 'B8').model)).toEqual([96, -32]);
    // Pixels per channel: [1, 2, 3, 4], [0, 0, 0, 1], [5, 5, 5, 6] -> floor means m = [2, 0, 5];
    // acc = [40 * 7, -8 + 15] = [280, 7]: floor((280 + 70) / 32) = 10, floor((7 - 7) / 32) = 0.
    const x = int8([1, 2, 2, 3], [1, 0, 5, 2, 0, 5, 3, 0, 5, 4, 1, 6]);
    expect(run(b16.model, { wasm, biasMode: 'B16', rounding: 'floor' }, x)).toEqual([10, 0]);
  });
});

describe('B16 refit for the folded offset', () => {
  it('a channel the offset alone pushes past int16 loses one bit of weight; nearest keeps it', () => {
    // s_in = 2^-6, s_w = 2^-10: b0 = 32760 * 2^-16 is 32760 accumulator steps, fits int16; s_out = 2^-10
    // (k = 6) adds 32 -> 32792, which does not. At s_w = 2^-9: 16380 + 16 = 16396.
    const b = Float32Array.of(32760 * 2 ** -16, 0.01);
    const weights = Tensor.float32([2, 1], [0.1, 0.1]);
    const make = () => ({
      name: 'w',
      dims: [2, 1],
      values: Int8Array.of(102, 102),
      params: { scale: Float64Array.of(2 ** -10, 2 ** -10), zeroPoint: new Int32Array(2), axis: 0 },
    });
    const nearest = make();
    expect(fitB16Bias(nearest, weights, b, 2 ** -6)).toBe(0);
    const floor = make();
    expect(fitB16Bias(floor, weights, b, 2 ** -6, 2 ** -10)).toBe(1);
    expect(Array.from(floor.params.scale)).toEqual([2 ** -9, 2 ** -10]);
    // 0.1 * 2^9 = 51.2 -> 51.
    expect(Array.from(floor.values)).toEqual([51, 102]);
    // channel 1: round(0.01 * 2^16) + 32 = 655 + 32 = 687.
    expect(Array.from(quantizeBias(b, 2 ** -6, floor.params.scale, 'B16', 2 ** -10, 'floor'))).toEqual([
      16396, 687,
    ]);
  });
});

describe('the device row with --rounding floor, through the CLI', () => {
  const device = (mode: string, rounding: string) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-floor-'));
    const args = ['--input', 'examples/mobilenet_v1_bn.onnx', '--input_scale', '10', '--output', out];
    const data = ['--calib_data', 'examples/mobilenet_v1_bn/samples'];
    const r = cli([...args, ...data, '--bias_mode', mode, '--rounding', rounding, '--formats', 'tflite']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'mobilenet_v1_bn_report.json'), 'utf8'));
    fs.rmSync(out, { recursive: true });
    return report.device.metrics.output.sqnrDb as number;
  };

  it.each(['B16', 'B8'])('mobilenet_v1_bn %s: floor within 1 dB of nearest (it was 18 dB below)', (mode) => {
    const nearest = device(mode, 'nearest');
    expect(nearest).toBeGreaterThan(20);
    expect(device(mode, 'floor')).toBeGreaterThan(nearest - 1);
  });
});
