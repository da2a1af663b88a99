import { describe, expect, it } from 'vitest';
import { Tensor, elementCount, tensorsEqual } from '../../src/ir/tensor.js';

describe('Tensor.fromBytes', () => {
  it('views aligned bytes without a copy: same ArrayBuffer, same offset', () => {
    const file = new ArrayBuffer(64);
    new Float32Array(file, 16, 4).set([1, -2, 3.5, 0.25]);
    const bytes = new Uint8Array(file, 16, 16);
    const t = Tensor.fromBytes('float32', [2, 2], bytes);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect((t.data as Float32Array).buffer).toBe(file);
    expect((t.data as Float32Array).byteOffset).toBe(16);
    expect(Array.from(t.data as Float32Array)).toEqual([1, -2, 3.5, 0.25]);
    // A view, so a write to the file's bytes shows through (the proof that nothing was copied).
    new Float32Array(file, 16, 1)[0] = 42;
    expect((t.data as Float32Array)[0]).toBe(42);
    expect(t.bytes().buffer).toBe(file);
  });

  it('copies bytes whose offset is not aligned for the element type', () => {
    const file = new ArrayBuffer(64);
    const bytes = new Uint8Array(file, 3, 16);
    new DataView(file).setFloat32(3, 1.5, true);
    new DataView(file).setFloat32(7, -7, true);
    const t = Tensor.fromBytes('float32', [4], bytes);
    expect((t.data as Float32Array).buffer).not.toBe(file);
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -7, 0, 0]);
  });

  it('needs 8-byte alignment for 64-bit types and none for bytes', () => {
    const file = new ArrayBuffer(64);
    const at4 = Tensor.fromBytes('int64', [2], new Uint8Array(file, 4, 16));
    const at8 = Tensor.fromBytes('int64', [2], new Uint8Array(file, 8, 16));
    const u8 = Tensor.fromBytes('uint8', [5], new Uint8Array(file, 3, 5));
    expect((at4.data as BigInt64Array).buffer).not.toBe(file);
    expect((at8.data as BigInt64Array).buffer).toBe(file);
    expect((u8.data as Uint8Array).buffer).toBe(file);
  });

  it('keeps sub-byte types packed and complex types as interleaved pairs', () => {
    const int4 = Tensor.fromBytes('int4', [3], Uint8Array.from([0x21, 0x03]));
    expect(int4.data).toEqual(Uint8Array.from([0x21, 0x03]));
    const c = Tensor.fromBytes('complex64', [2], new Uint8Array(16));
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(c.data.length).toBe(4);
  });

  it('rejects a byte count the dims do not need, and string tensors', () => {
    expect(() => Tensor.fromBytes('float32', [2, 3], new Uint8Array(20))).toThrow(
      /float32\[2,3\] needs 24 bytes, got 20/,
    );
    expect(() => Tensor.fromBytes('int4', [3], new Uint8Array(1))).toThrow(/needs 2 bytes/);
    expect(() => Tensor.fromBytes('string', [0], new Uint8Array(0))).toThrow(TypeError);
  });
});

describe('Tensor', () => {
  it('checks the value count against the dims', () => {
    expect(() => new Tensor('float32', [2, 2], new Float32Array(3))).toThrow(/needs 4 values, got 3/);
    expect(() => new Tensor('complex128', [2], new Float64Array(2))).toThrow(/needs 4 values/);
    expect(new Tensor('float32', [], new Float32Array(1)).size).toBe(1);
    expect(new Tensor('float32', [0, 5], new Float32Array(0)).size).toBe(0);
    expect(elementCount([2, 3, 4])).toBe(24);
  });

  it('reads values as float32 and as numbers', () => {
    expect(Array.from(Tensor.int32([3], [1, -2, 3]).toFloat32())).toEqual([1, -2, 3]);
    expect(Tensor.int64([2], [5n, -6n]).toNumbers()).toEqual([5, -6]);
    expect(Array.from(new Tensor('float16', [2], Uint16Array.from([0x3c00, 0xc000])).toFloat32())).toEqual([
      1, -2,
    ]);
    expect(() => new Tensor('int4', [2], new Uint8Array(1)).toFloat32()).toThrow(/int4/);
  });

  it('tensorsEqual compares type, shape and bits (NaN equals the same NaN)', () => {
    const a = Tensor.float32([2], [NaN, 1]);
    expect(tensorsEqual(a, Tensor.float32([2], [NaN, 1]))).toBe(true);
    expect(tensorsEqual(a, Tensor.float32([1, 2], [NaN, 1]))).toBe(false);
    expect(tensorsEqual(a, Tensor.float32([2], [NaN, 2]))).toBe(false);
    expect(tensorsEqual(Tensor.float32([1], [0]), Tensor.float32([1], [-0]))).toBe(false);
    expect(tensorsEqual(Tensor.int32([1], [1]), Tensor.float32([1], [1]))).toBe(false);
    expect(tensorsEqual(new Tensor('string', [2], ['a', 'b']), new Tensor('string', [2], ['a', 'c']))).toBe(
      false,
    );
  });
});
