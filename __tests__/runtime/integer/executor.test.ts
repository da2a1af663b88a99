import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../../src/errors.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor } from '../../../src/runtime/integer/index.js';
import { TfliteGraphBuilder } from './builder.js';

/** float x -> QUANTIZE (0.5, 0) -> DEQUANTIZE -> DIV by 2 -> QUANTIZE (0.25, 0) -> RESHAPE [N, 2]. */
function island() {
  const b = new TfliteGraphBuilder();
  b.input('x', [null, 2], undefined, 'float32');
  b.value('q', [1, 2], { scale: 0.5 });
  b.value('f', [1, 2], undefined, 'float32');
  b.constant('two', Tensor.float32([], [2]));
  b.value('h', [1, 2], undefined, 'float32');
  b.value('hq', [1, 2], { scale: 0.25 });
  b.value('y', [1, 2], { scale: 0.25 });
  b.node('QUANTIZE', ['x'], ['q']);
  b.node('DEQUANTIZE', ['q'], ['f']);
  b.node('DIV', ['f', 'two'], ['h']);
  b.node('QUANTIZE', ['h'], ['hq']);
  b.int32('shape', [2], [-1, 2]);
  b.node('RESHAPE', ['hq', 'shape'], ['y']);
  return b.outputs('y');
}

describe('integer executor', () => {
  it('runs float islands between DEQUANTIZE and QUANTIZE, and returns int8 with its parameters', () => {
    const ex = createIntegerExecutor(island(), { scheme: 'affine' });
    // 3.2 -> round(6.4) = 6 -> 3.0 -> 1.5 -> 6; -1.1 -> round(-2.2) = -2 -> -1 -> -0.5 -> -2
    const y = ex.run({ x: Tensor.float32([1, 2], [3.2, -1.1]) }).y!;
    expect(Array.from(y.data as Int8Array)).toEqual([6, -2]);
    expect(y.dims).toEqual([1, 2]);
    expect(y.quant).toMatchObject({ scale: Float64Array.of(0.25), zeroPoint: Int32Array.of(0) });
  });

  it('plans again for a new input shape (an unknown batch)', () => {
    const ex = createIntegerExecutor(island(), { scheme: 'affine' });
    const y = ex.run({ x: Tensor.float32([3, 2], [1, 2, 3, 4, 5, 6]) }).y!;
    expect(y.dims).toEqual([3, 2]);
    // x / 2 at 0.25 is q = 2x: [2, 4, 6, 8, 10, 12]
    expect(Array.from(y.data as Int8Array)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(ex.run({ x: Tensor.float32([1, 2], [1, 2]) }).y!.dims).toEqual([1, 2]);
  });

  it('names the node and lists the supported ops for an op it has no kernel for', () => {
    const b = new TfliteGraphBuilder();
    b.input('x', [4], { scale: 0.1 });
    b.value('y', [4], { scale: 0.1 });
    b.node('RESIZE_BILINEAR', ['x'], ['y']);
    const model = b.outputs('y');
    expect(() => createIntegerExecutor(model)).toThrow(UnsupportedOpError);
    expect(() => createIntegerExecutor(model)).toThrow(/resize_bilinear_0.*RESIZE_BILINEAR.*CONV_2D/);
  });

  it('rejects a feed of the wrong type, naming the input', () => {
    const ex = createIntegerExecutor(island(), { scheme: 'affine' });
    expect(() => ex.run({ x: new Tensor('int8', [1, 2], Int8Array.of(1, 2)) })).toThrow(
      /input 'x' is float32/,
    );
    expect(() => ex.run({})).toThrow(/no feed for input 'x'/);
  });

  it('says what is wrong with a parameter it cannot use', () => {
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 3], { scale: 2 ** -3 });
    b.int8('w', [2, 3], [1, 2, 3, 4, 5, 6], { scale: [0.01, 0.02], zeroPoint: [1, 0] });
    b.value('y', [1, 2], { scale: 2 ** -2 });
    b.node('FULLY_CONNECTED', ['x', 'w', ''], ['y']);
    expect(() => createIntegerExecutor(b.outputs('y'), { scheme: 'affine' })).toThrow(
      /fully_connected_0.*weights 'w' must be symmetric/,
    );
  });
  it('keeps a value a reshape still views out of later outputs, while it reuses buffers', () => {
    // q is read last by DEQUANTIZE (step 3), but its RESHAPE view r is read by ADD (step 6). hq, the same
    // type and size, is made in between: given q's buffer, it would overwrite r.
    const b = new TfliteGraphBuilder();
    b.input('x', [1, 4], undefined, 'float32');
    b.value('q', [1, 4], { scale: 0.5 });
    b.int32('shape', [1], [4]);
    b.value('r', [4], { scale: 0.5 });
    b.value('f', [1, 4], undefined, 'float32');
    b.constant('two', Tensor.float32([], [2]));
    b.value('h', [1, 4], undefined, 'float32');
    b.value('hq', [1, 4], { scale: 0.5 });
    b.value('y', [1, 4], { scale: 0.5 });
    b.node('QUANTIZE', ['x'], ['q']);
    b.node('RESHAPE', ['q', 'shape'], ['r']);
    b.node('DEQUANTIZE', ['q'], ['f']);
    b.node('DIV', ['f', 'two'], ['h']);
    b.node('QUANTIZE', ['h'], ['hq']);
    b.node('ADD', ['r', 'hq'], ['y']);
    const ex = createIntegerExecutor(b.outputs('y'), { scheme: 'affine' });
    // x = [1, 2, -1, 3]: q = 2x = [2, 4, -2, 6]; hq = 2 (x / 2) = [1, 2, -1, 3]; y = q + hq (one scale).
    for (let run = 0; run < 2; run++) {
      const y = ex.run({ x: Tensor.float32([1, 4], [1, 2, -1, 3]) }).y!;
      expect(Array.from(y.data as Int8Array)).toEqual([3, 6, -3, 9]);
    }
  });
});
