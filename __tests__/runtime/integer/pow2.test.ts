/**
 * The original's fixed-point arithmetic (DESIGN.md, pow2) on hand-worked numbers: every expected value
 * below is worked out in the comments from the formulas, with both WebAssembly and JS loops.
 */
import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import type { Model } from '../../../src/ir/graph.js';
import type { QuantScheme } from '../../../src/ir/qparams.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { TfliteGraphBuilder } from './builder.js';

const run = (
  b: TfliteGraphBuilder,
  out: string,
  feeds: Record<string, Tensor>,
  opts: IntegerExecutorOptions,
) =>
  Array.from(
    createIntegerExecutor(b.outputs(out), { scheme: 'pow2', ...opts }).run(feeds)[out]!.data as Int8Array,
  );

const int8 = (dims: number[], values: number[]) => new Tensor('int8', dims, Int8Array.from(values));

describe.each([true, false])('pow2 arithmetic (wasm %s)', (wasm) => {
  /**
   * FULLY_CONNECTED, x = [10, -3, 7] at 2^-3, w = [[5, 2, -1], [-4, 6, 3]] at [2^-4, 2^-5], y at 2^-2.
   *   acc = [50 - 6 - 7, -40 - 18 + 21] = [37, -37]; k = log2(s_y / (s_x s_w)) = [5, 6].
   * Float bias b = [0.3, -0.2]:
   *   B16: b16 = round(b / (s_x s_w)) = [round(38.4), round(-51.2)] = [38, -51]
   *   B8:  b8 = round(b / s_y) = [round(1.2), round(-0.8)] = [1, -1], stored b8 2^k = [32, -64]
   *   B16 floor:   [floor(75 / 32), floor(-88 / 64)] = [2, -2]
   *   B16 nearest: [floor((75 + 16) / 32), floor((-88 + 32) / 64)] = [2, -1]
   *   B8 floor:    [floor(37 / 32) + 1, floor(-37 / 64) - 1] = [2, -2]
   *   B8 nearest:  [floor((37 + 16) / 32) + 1, floor((-37 + 32) / 64) - 1] = [2, -2]
   */
  function fc(bias: number[]) {
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 3], { scale: 2 ** -3 });
    b.int8('w', [2, 3], [5, 2, -1, -4, 6, 3], { scale: [2 ** -4, 2 ** -5] });
    b.int32('b', [2], bias, { scale: [2 ** -7, 2 ** -8] });
    b.value('y', [1, 2], { scale: 2 ** -2 });
    b.node('FULLY_CONNECTED', ['x', 'w', 'b'], ['y']);
    return b;
  }
  const x = int8([1, 3], [10, -3, 7]);

  it('FULLY_CONNECTED: B16 adds the 16-bit bias before the shift, B8 the 8-bit one after', () => {
    expect(run(fc([38, -51]), 'y', { x }, { wasm, biasMode: 'B16', rounding: 'floor' })).toEqual([2, -2]);
    expect(run(fc([38, -51]), 'y', { x }, { wasm, biasMode: 'B16', rounding: 'nearest' })).toEqual([2, -1]);
    expect(run(fc([32, -64]), 'y', { x }, { wasm, biasMode: 'B8', rounding: 'floor' })).toEqual([2, -2]);
    expect(run(fc([32, -64]), 'y', { x }, { wasm, biasMode: 'B8', rounding: 'nearest' })).toEqual([2, -2]);
  });

  it('the same stored bias read as B16 or B8 gives different outputs where it is off the 2^k grid', () => {
    // Stored [40, -40]. B16: floor((37 + 40) / 32) = 2, floor((-37 - 40) / 64) = -2.
    // B8: b8 = round(40 / 32) = 1 and round(-40 / 64) = -1: floor(37 / 32) + 1 = 2, floor(-37 / 64) - 1 = -2;
    // nearest: B16 floor((77 + 16) / 32) = 2, floor((-77 + 32) / 64) = -1; B8 2, -2.
    expect(run(fc([40, -40]), 'y', { x }, { wasm, biasMode: 'B16', rounding: 'nearest' })).toEqual([2, -1]);
    expect(run(fc([40, -40]), 'y', { x }, { wasm, biasMode: 'B8', rounding: 'nearest' })).toEqual([2, -2]);
    // A bias past int16 is clamped to 32767 in B16: floor((37 + 32767) / 32) = 1025 -> 127; B8 reads
    // round(40000 / 32) = 1250 -> 127 too, but a negative one differs: B16 floor((37 - 32768) / 32) = -1023
    // -> -128; B8: clamp(round(-40000 / 32)) = -128, floor(37 / 32) - 128 = -127.
    expect(run(fc([-40000, 0]), 'y', { x }, { wasm, biasMode: 'B16' })[0]).toBe(-128);
    expect(run(fc([-40000, 0]), 'y', { x }, { wasm, biasMode: 'B8' })[0]).toBe(-127);
  });

  /**
   * CONV_2D 2x2 VALID on x = [[4, -2], [3, 1]] (2^-3) with w = [[1, 2], [3, -1]] (2^-4), y at 2^-3:
   *   acc = 4 - 4 + 9 - 1 = 8; k = log2(2^-3 / 2^-7) = 4; 8 / 16 = 0.5: floor 0, nearest 1, even 0.
   * A second channel w = [[-1, 0], [0, -1]] (2^-5): acc = -4 - 1 = -5, k = 5: -5 / 32: floor -1, nearest 0.
   */
  function conv() {
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 2, 2, 1], { scale: 2 ** -3 });
    b.int8('w', [2, 2, 2, 1], [1, 2, 3, -1, -1, 0, 0, -1], { scale: [2 ** -4, 2 ** -5] });
    b.value('y', [1, 1, 1, 2], { scale: 2 ** -3 });
    b.node('CONV_2D', ['x', 'w', ''], ['y'], { padding: 1, stride_w: 1, stride_h: 1 });
    return b;
  }
  const cx = int8([1, 2, 2, 1], [4, -2, 3, 1]);

  it('CONV_2D: a tie rounds down with floor, up with nearest, to even with even', () => {
    expect(run(conv(), 'y', { x: cx }, { wasm, rounding: 'floor' })).toEqual([0, -1]);
    expect(run(conv(), 'y', { x: cx }, { wasm, rounding: 'nearest' })).toEqual([1, 0]);
    expect(run(conv(), 'y', { x: cx }, { wasm, rounding: 'even' })).toEqual([0, 0]);
  });

  it('CONV_2D SAME, stride 2, fused RELU6: zero padding, the saturating shift and q(6) = 6 / s_y', () => {
    // x 3x3 (2^-1): [[10, 20, 30], [40, 50, 60], [70, 80, 90]]; w 3x3 all 1 (2^-2); y 2^0; RELU6 -> [0, 6].
    // SAME, stride 2 on 3x3: out 2x2, total padding (2 - 1) 2 + 3 - 3 = 2, one before. Windows:
    //   (0,0): rows -1..1, cols -1..1 -> 10 + 20 + 40 + 50 = 120; k = log2(1 / 2^-3) = 3 -> 15 -> 6
    //   (0,1): cols 1..3 -> 20 + 30 + 50 + 60 = 160 -> 20 -> 6; bias -200 (B16): (160 - 200) >> 3 = -5 -> 0
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 3, 3, 1], { scale: 0.5 });
    b.int8('w', [2, 3, 3, 1], [...Array(9).fill(1), ...Array(9).fill(1)], { scale: [0.25, 0.25] });
    b.int32('b', [2], [0, -200], { scale: [0.125, 0.125] });
    b.value('y', [1, 2, 2, 2], { scale: 1 });
    b.node('CONV_2D', ['x', 'w', 'b'], ['y'], {
      padding: 0,
      stride_w: 2,
      stride_h: 2,
      fused_activation_function: 3,
    });
    const x3 = int8([1, 3, 3, 1], [10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const y = run(b, 'y', { x: x3 }, { wasm, biasMode: 'B16' });
    // channel 1 per pixel: (0,0) (120 - 200) >> 3 = -10 -> 0; (0,1) -5 -> 0;
    // (1,0) 40 + 50 + 70 + 80 = 240: (240 - 200) >> 3 = 5; (1,1) 280: 80 >> 3 = 10 -> 6
    expect(y).toEqual([6, 0, 6, 0, 6, 5, 6, 6]);
  });

  /**
   * DEPTHWISE_CONV_2D, 1x2 filter over pixels [100, -40] and [50, 24] (2^-3), taps [3, 1] and [-2, 4] at
   * [2^-4, 2^-3], y at 2^-2: acc = [300 - 100, -40 + 96] = [200, 56]; k = [5, 4];
   *   floor [6, 3] (6.25, 3.5), nearest [6, 4].
   * Depth multiplier 2 on one input channel [7, -3] with taps [[1, -1], [2, 2]] at 2^-3: acc = [7 - 6, -7 - 6]
   * = [1, -13]; y at 2^-5 -> k = log2(2^-5 / 2^-6) = 1: floor [0, -7], nearest [1, -6].
   */
  it('DEPTHWISE_CONV_2D: per-channel shifts; depth multiplier', () => {
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 1, 2, 2], { scale: 2 ** -3 });
    b.int8('w', [1, 1, 2, 2], [3, 1, -2, 4], { scale: [2 ** -4, 2 ** -3], axis: 3 });
    b.value('y', [1, 1, 1, 2], { scale: 2 ** -2 });
    b.node('DEPTHWISE_CONV_2D', ['x', 'w', ''], ['y'], {
      padding: 1,
      stride_w: 1,
      stride_h: 1,
      depth_multiplier: 1,
    });
    const feeds = { x: int8([1, 1, 2, 2], [100, -40, 50, 24]) };
    const copy = () => Object.assign(new TfliteGraphBuilder(), { g: b.g.clone() }) as TfliteGraphBuilder;
    expect(run(copy(), 'y', feeds, { wasm, rounding: 'floor' })).toEqual([6, 3]);
    expect(run(copy(), 'y', feeds, { wasm, rounding: 'nearest' })).toEqual([6, 4]);

    const m = new TfliteGraphBuilder();
    m.input('x', [1, 1, 2, 1], { scale: 2 ** -3 });
    m.int8('w', [1, 1, 2, 2], [1, -1, 2, 2], { scale: 2 ** -3 });
    m.value('y', [1, 1, 1, 2], { scale: 2 ** -5 });
    m.node('DEPTHWISE_CONV_2D', ['x', 'w', ''], ['y'], {
      padding: 1,
      stride_w: 1,
      stride_h: 1,
      depth_multiplier: 2,
    });
    const mx = { x: int8([1, 1, 2, 1], [7, -3]) };
    const again = () => Object.assign(new TfliteGraphBuilder(), { g: m.g.clone() }) as TfliteGraphBuilder;
    expect(run(again(), 'y', mx, { wasm, rounding: 'floor' })).toEqual([0, -7]);
    expect(run(again(), 'y', mx, { wasm, rounding: 'nearest' })).toEqual([1, -6]);
  });

  /**
   * ADD, a at 2^-3, b at 2^-2, y at 2^-1: exponents aligned to 2^-3 by shifting b left by 1, the sum
   * shifted right by 2. (13, -5): 13 - 10 = 3 -> 0.75: floor 0, nearest 1. (100, 60): 220 / 4 = 55.
   * (-7, 1): -5 / 4 = -1.25: floor -2, nearest -1. (127, 127): 381 / 4 = 95.25 -> 95.
   * SUB of the same: (13, -5): 23 / 4 = 5.75 -> 5 | 6.
   * MUL, a at 2^-3, b at 2^-4, y at 2^-5: product at 2^-7, k = 2. (7, -9): -63 / 4 = -15.75 -> -16 | -16;
   * (5, 6): 7.5 -> 7 | 8; (127, 127): 16129 / 4 = 4032 -> 127; (-128, 127): -4064 -> -128.
   */
  function binary(op: string, sb: number, sy: number) {
    const b = new TfliteGraphBuilder();
    b.input('a', [4], { scale: 2 ** -3 });
    b.input('b', [4], { scale: sb });
    b.value('y', [4], { scale: sy });
    b.node(op, ['a', 'b'], ['y']);
    return b;
  }

  it('ADD, SUB and MUL align exponents by shifts, then saturate', () => {
    const feeds = { a: int8([4], [13, 100, -7, 127]), b: int8([4], [-5, 60, 1, 127]) };
    expect(run(binary('ADD', 2 ** -2, 2 ** -1), 'y', feeds, { wasm, rounding: 'floor' })).toEqual([
      0, 55, -2, 95,
    ]);
    expect(run(binary('ADD', 2 ** -2, 2 ** -1), 'y', feeds, { wasm, rounding: 'nearest' })).toEqual([
      1, 55, -1, 95,
    ]);
    const sub = { a: int8([4], [13, 0, 0, 0]), b: int8([4], [-5, 0, 0, 0]) };
    expect(run(binary('SUB', 2 ** -2, 2 ** -1), 'y', sub, { wasm, rounding: 'floor' })[0]).toBe(5);
    expect(run(binary('SUB', 2 ** -2, 2 ** -1), 'y', sub, { wasm, rounding: 'nearest' })[0]).toBe(6);
    const mul = { a: int8([4], [7, 5, 127, -128]), b: int8([4], [-9, 6, 127, 127]) };
    expect(run(binary('MUL', 2 ** -4, 2 ** -5), 'y', mul, { wasm, rounding: 'floor' })).toEqual([
      -16, 7, 127, -128,
    ]);
    expect(run(binary('MUL', 2 ** -4, 2 ** -5), 'y', mul, { wasm, rounding: 'nearest' })).toEqual([
      -16, 8, 127, -128,
    ]);
  });

  it('AVERAGE_POOL_2D and MEAN divide the sum by the count with the rounding rule', () => {
    // 2x2 window over [3, 4, 4, 4] (2^-3) into 2^-3: 15 / 4 = 3.75 -> floor 3, nearest 4.
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 2, 2, 1], { scale: 2 ** -3 });
    b.value('y', [1, 1, 1, 1], { scale: 2 ** -3 });
    b.node('AVERAGE_POOL_2D', ['x'], ['y'], {
      padding: 1,
      stride_w: 1,
      stride_h: 1,
      filter_width: 2,
      filter_height: 2,
    });
    const feeds = { x: int8([1, 2, 2, 1], [3, 4, 4, 4]) };
    const copy = () => Object.assign(new TfliteGraphBuilder(), { g: b.g.clone() }) as TfliteGraphBuilder;
    expect(run(copy(), 'y', feeds, { wasm, rounding: 'floor' })).toEqual([3]);
    expect(run(copy(), 'y', feeds, { wasm, rounding: 'nearest' })).toEqual([4]);
    // MEAN over H, W into 2^-2: 15 / 4 / 2 = 1.875 -> 1 | 2.
    const m = new TfliteGraphBuilder();
    m.input('x', [1, 2, 2, 1], { scale: 2 ** -3 });
    m.int32('axes', [2], [1, 2]);
    m.value('y', [1, 1], { scale: 2 ** -2 });
    m.node('MEAN', ['x', 'axes'], ['y'], { keep_dims: 0 });
    const again = () => Object.assign(new TfliteGraphBuilder(), { g: m.g.clone() }) as TfliteGraphBuilder;
    expect(run(again(), 'y', feeds, { wasm, rounding: 'floor' })).toEqual([1]);
    expect(run(again(), 'y', feeds, { wasm, rounding: 'nearest' })).toEqual([2]);
  });

  it('BATCH_MATMUL: the int32 product shifted by k = log2(s_y / (s_a s_b)), no bias', () => {
    // a = [[3, -5], [6, 1]] at 2^-2, b = [[2, 7], [-4, 3]] at 2^-3, y at 2^-2: k = 3.
    //   acc = [[6 + 20, 21 - 15], [12 - 4, 42 + 3]] = [[26, 6], [8, 45]]
    //   floor:   [26 >> 3, 6 >> 3, 8 >> 3, 45 >> 3] = [3, 0, 1, 5]
    //   nearest: [30 >> 3, 10 >> 3, 12 >> 3, 49 >> 3] = [3, 1, 1, 6]
    const make = () => {
      const b = new TfliteGraphBuilder();
      b.input('a', [1, 2, 2], { scale: 2 ** -2 });
      b.input('b', [1, 2, 2], { scale: 2 ** -3 });
      b.value('y', [1, 2, 2], { scale: 2 ** -2 });
      b.node('BATCH_MATMUL', ['a', 'b'], ['y']);
      return b;
    };
    const feeds = { a: int8([1, 2, 2], [3, -5, 6, 1]), b: int8([1, 2, 2], [2, 7, -4, 3]) };
    expect(run(make(), 'y', feeds, { wasm, rounding: 'floor' })).toEqual([3, 0, 1, 5]);
    expect(run(make(), 'y', feeds, { wasm, rounding: 'nearest' })).toEqual([3, 1, 1, 6]);
  });

  it('LOGISTIC and TANH give the spec outputs (1/256, -128 and 1/128, 0)', () => {
    // x = 0 -> sigmoid 0.5 -> 128 - 128 = 0; x = 8 (1.0 at 2^-3) -> 0.7311 256 = 187.16 -> 59 (floor).
    const b = new TfliteGraphBuilder();
    b.input('x', [2], { scale: 2 ** -3 });
    b.value('y', [2], { scale: 1 / 256, zeroPoint: -128 });
    b.node('LOGISTIC', ['x'], ['y']);
    expect(run(b, 'y', { x: int8([2], [0, 8]) }, { wasm })).toEqual([0, 59]);
    // tanh(1) = 0.76159 128 = 97.48 -> floor 97, nearest 97; tanh(-0.5) 128 = -59.18 -> floor -60.
    const t = new TfliteGraphBuilder();
    t.input('x', [2], { scale: 2 ** -3 });
    t.value('y', [2], { scale: 1 / 128 });
    t.node('TANH', ['x'], ['y']);
    expect(run(t, 'y', { x: int8([2], [8, -4]) }, { wasm })).toEqual([97, -60]);
  });
});

describe('scheme from the file', () => {
  // s_x 2^-3, s_w 2^-4, s_y 2^-4: k = 3. acc = 1 + 2 + 3 = 6, bias 43.
  // B16: floor((6 + 43) / 8) = 6. B8: floor(6 / 8) + round(43 / 8) = 0 + 5 = 5.
  const fc = (): Model => {
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 3], { scale: 2 ** -3 });
    b.int8('w', [1, 3], [1, 1, 1], { scale: [2 ** -4] });
    b.int32('b', [1], [43], { scale: [2 ** -7] });
    b.value('y', [1, 1], { scale: 2 ** -4 });
    b.node('FULLY_CONNECTED', ['x', 'w', 'b'], ['y']);
    return b.outputs('y');
  };
  const written = (quantScheme?: QuantScheme): Model =>
    importTflite(exportTflite({ ...fc(), ...(quantScheme ? { quantScheme } : {}) }));
  const y = (m: Model) => createIntegerExecutor(m).run({ x: int8([1, 3], [1, 2, 3]) }).y!.data[0];

  it("reads the scheme, bias width and rounding from the file's metadata entry", () => {
    const b8 = written({ scheme: 'pow2', biasMode: 'B8', rounding: 'floor' });
    expect(createIntegerExecutor(b8).arithmetic).toMatchObject({
      scheme: 'pow2',
      biasMode: 'B8',
      rounding: 'floor',
    });
    expect(y(b8)).toBe(5);
    const b16 = written({ scheme: 'pow2', biasMode: 'B16', rounding: 'nearest' });
    expect(createIntegerExecutor(b16).arithmetic).toMatchObject({ biasMode: 'B16', rounding: 'nearest' });
    expect(y(b16)).toBe(6);
  });

  it('runs a file without the entry (one made elsewhere) as TFLite affine, even with power-of-two scales', () => {
    expect(createIntegerExecutor(written()).arithmetic).toMatchObject({
      scheme: 'affine',
      affineKernels: 'litert',
    });
  });

  it("lets the caller's options win over the file", () => {
    const b16 = written({ scheme: 'pow2', biasMode: 'B16', rounding: 'floor' });
    expect(
      createIntegerExecutor(b16, { biasMode: 'B8' }).run({ x: int8([1, 3], [1, 2, 3]) }).y!.data[0],
    ).toBe(5);
  });
});
