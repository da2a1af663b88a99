import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpyFile, writeNpyFile } from '../../src/data/npy.js';
import { DataError } from '../../src/errors.js';
import { Tensor, tensorsEqual } from '../../src/ir/tensor.js';
import { bytes, header, npyV1 } from './fixtures.js';

/** float32 (2, 2) = [[1, -2], [0, 2.2]]: 2.2f is 0x400ccccd. */
const F32_2X2 = npyV1(
  "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
  [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0xcd, 0xcc, 0x0c, 0x40],
);

function values(t: Tensor): (number | bigint)[] {
  return Array.from(t.data as ArrayLike<number | bigint>);
}

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseNpy: hand-made files of every supported dtype', () => {
  const cases: [string, string, number[], string, number[], (number | bigint)[]][] = [
    ['float32 <f4', '<f4', [2, 2], '(2, 2)', [...F32_2X2.subarray(128)], [1, -2, 0, Math.fround(2.2)]],
    ['float64 <f8', '<f8', [1], '(1,)', [0, 0, 0, 0, 0, 0, 0xd0, 0xbf], [-0.25]],
    [
      'float16 <f2 (bit patterns)',
      '<f2',
      [3],
      '(3,)',
      [0x00, 0x3c, 0x00, 0xb8, 0xff, 0x7b],
      [0x3c00, 0xb800, 0x7bff],
    ],
    ['int8 |i1', '|i1', [2], '(2,)', [0x80, 0x7f], [-128, 127]],
    ['uint8 |u1', '|u1', [2], '(2,)', [0xff, 0x00], [255, 0]],
    ['int16 <i2', '<i2', [2], '(2,)', [0xfe, 0xff, 0x2c, 0x01], [-2, 300]],
    ['uint16 <u2', '<u2', [1], '(1,)', [0xff, 0xff], [65535]],
    ['int32 <i4', '<i4', [1], '(1,)', [0xfe, 0xff, 0xff, 0xff], [-2]],
    ['uint32 <u4', '<u4', [1], '(1,)', [0xff, 0xff, 0xff, 0xff], [4294967295]],
    ['int64 <i8 scalar', '<i8', [], '()', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [-1n]],
    ['uint64 <u8', '<u8', [1], '(1,)', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [2n ** 64n - 1n]],
    ['bool |b1', '|b1', [2, 2], '(2, 2)', [1, 0, 0, 1], [1, 0, 0, 1]],
    ['big-endian int16 >i2', '>i2', [3], '(3,)', [0x00, 0x01, 0xff, 0xfe, 0x01, 0x2c], [1, -2, 300]],
    ['big-endian float64 >f8', '>f8', [1], '(1,)', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [1.5]],
    ['big-endian uint32 >u4', '>u4', [1], '(1,)', [0x01, 0x02, 0x03, 0x04], [0x01020304]],
    ['empty array (0, 3)', '<f4', [0, 3], '(0, 3)', [], []],
  ];
  for (const [title, descr, dims, shape, data, expected] of cases) {
    it(title, () => {
      const t = parseNpy(npyV1(`{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`, data));
      expect(t.dims).toEqual(dims);
      expect(values(t)).toEqual(expected);
    });
  }

  it('maps numpy types to IR types', () => {
    const dtypeOf = (descr: string) =>
      parseNpy(npyV1(`{'descr': '${descr}', 'fortran_order': False, 'shape': (0,), }`, [])).dtype;
    expect(
      ['<f2', '<f4', '<f8', '|i1', '|u1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '|b1'].map(dtypeOf),
    ).toEqual([
      'float16',
      'float32',
      'float64',
      'int8',
      'uint8',
      'int16',
      'uint16',
      'int32',
      'uint32',
      'int64',
      'uint64',
      'bool',
    ]);
  });

  it('reads version 2.0 and 3.0 headers (4-byte length; utf8 in 3.0)', () => {
    const dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }";
    const v2 = bytes([0x93], 'NUMPY', [2, 0], [116, 0, 0, 0], header(dict, 116), [7, 0, 0, 0]);
    const v3 = bytes([0x93], 'NUMPY', [3, 0], [116, 0, 0, 0], header(dict, 116), [8, 0, 0, 0]);
    expect(values(parseNpy(v2))).toEqual([7]);
    expect(values(parseNpy(v3))).toEqual([8]);
  });

  it('reads headers as older writers made them: 16-byte aligned, Python 2 longs, any key order, no trailing comma', () => {
    const py2 = bytes(
      [0x93],
      'NUMPY',
      [1, 0],
      [70, 0],
      header("{'descr': '<u2', 'fortran_order': False, 'shape': (2L,), }", 70),
      [1, 0, 2, 0],
    );
    const reordered = npyV1('{"shape": (2,), "fortran_order": False, "descr": "<u2"}', [3, 0, 4, 0]);
    expect(values(parseNpy(py2))).toEqual([1, 2]);
    expect(values(parseNpy(reordered))).toEqual([3, 4]);
  });

  it('views the file bytes without a copy when the data is aligned', () => {
    const t = parseNpy(F32_2X2);
    expect((t.data as Float32Array).buffer).toBe(F32_2X2.buffer);
  });

  it('reads Fortran order when it lays out bytes as C order would (one axis longer than 1)', () => {
    const t = parseNpy(npyV1("{'descr': '|u1', 'fortran_order': True, 'shape': (1, 3), }", [1, 2, 3]));
    expect(values(t)).toEqual([1, 2, 3]);
  });
});

describe('parseNpy: errors name the file and what is wrong', () => {
  const file = 'samples/x.npy';
  const f32 =
    (dict: string, data: number[] = []) =>
    () =>
      parseNpy(npyV1(dict, data), file);

  it.each([
    [
      'a zip file',
      () => parseNpy(bytes('PK', [3, 4], 'rest of a zip archive'), file),
      /not a \.npy file.*magic/,
    ],
    [
      'version 4.0',
      () => parseNpy(bytes([0x93], 'NUMPY', [4, 0], [0, 0, 0, 0]), file),
      /version 4\.0 is not supported/,
    ],
    [
      'a header longer than the file',
      () => parseNpy(bytes([0x93], 'NUMPY', [1, 0], [118, 0], "{'descr'"), file),
      /truncated .npy: the header is 118 bytes/,
    ],
    [
      'missing data',
      f32("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", [0, 0, 0x80, 0x3f]),
      /truncated .npy: the header declares float32\[2,2\] \(16 bytes of data\) but 4 follow/,
    ],
    [
      'extra data',
      f32("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [1, 2]),
      /1 unexpected bytes after/,
    ],
    [
      'Fortran order',
      f32("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", [...F32_2X2.subarray(128)]),
      /Fortran \(column-major\) order, which is not supported.*ascontiguousarray/,
    ],
    [
      'complex numbers',
      f32("{'descr': '<c8', 'fortran_order': False, 'shape': (0,), }"),
      /'<c8' is not supported \(it holds complex/,
    ],
    [
      'pickled objects',
      f32("{'descr': '|O', 'fortran_order': False, 'shape': (0,), }"),
      /'\|O' is not supported.*pickled/,
    ],
    [
      'unicode strings',
      f32("{'descr': '<U3', 'fortran_order': False, 'shape': (0,), }"),
      /'<U3' is not supported.*supported: f2 f4/,
    ],
    [
      'a structured dtype',
      f32("{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (0,), }"),
      /structured arrays/,
    ],
    ['a header that is not a dict', f32("['<f4', False, (1,)]"), /expected a dict/],
    ['a cut-off header dict', f32("{'descr': '<f4', 'fortran_order': False"), /malformed .npy header/],
    ['a missing shape', f32("{'descr': '<f4', 'fortran_order': False, }"), /has no 'shape' key/],
    [
      'a negative dimension',
      f32("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
      /non-negative integers/,
    ],
    [
      'a non-boolean order',
      f32("{'descr': '<f4', 'fortran_order': 0, 'shape': (0,), }"),
      /'fortran_order' must be True or False/,
    ],
  ])('%s', (_title, read, message) => {
    const e = errorOf(read);
    expect(e.file).toBe(file);
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    expect(e.message).toMatch(message);
  });

  it('a missing file', () => {
    const e = errorOf(() => readNpyFile('/nonexistent/dir/a.npy'));
    expect(e.message).toMatch(/^\/nonexistent\/dir\/a\.npy: cannot read the file \(ENOENT\)/);
  });
});

describe('writing .npy', () => {
  it('writes the bytes NEP 1 prescribes (same as the hand-made fixture)', () => {
    expect(encodeNpy(Tensor.float32([2, 2], [1, -2, 0, 2.2]))).toEqual(F32_2X2);
    const scalar = npyV1("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", [5, 0, 0, 0, 0, 0, 0, 0]);
    expect(encodeNpy(Tensor.int64([], [5]))).toEqual(scalar);
    const vector = npyV1("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [1, 0, 1]);
    expect(encodeNpy(new Tensor('bool', [3], Uint8Array.from([1, 0, 1])))).toEqual(vector);
  });

  it('aligns the data on 64 bytes and ends the header with a newline, for any shape', () => {
    for (const dims of [[], [7], [1, 2, 3, 4, 5, 6], [123456789, 0], Array(40).fill(1)]) {
      const out = encodeNpy(new Tensor('uint8', dims, new Uint8Array(dims.reduce((a, b) => a * b, 1))));
      const length = out[8]! + 256 * out[9]!;
      expect((10 + length) % 64).toBe(0);
      expect(out[10 + length - 1]).toBe(0x0a);
    }
  });

  it('switches to version 2.0 when the header needs more than 64 KiB', () => {
    const t = new Tensor('int8', Array(30000).fill(1), Int8Array.of(-3));
    const out = encodeNpy(t);
    expect([out[6], out[7]]).toEqual([2, 0]);
    expect(tensorsEqual(parseNpy(out), t)).toBe(true);
  });

  it('round-trips every supported dtype', () => {
    const dims = [2, 3];
    const tensors = [
      Tensor.float32(dims, [0, -1.5, 3.25, 1e-30, -0, Infinity]),
      new Tensor('float64', dims, Float64Array.of(Math.PI, -1e300, 5e-324, 0, NaN, 2)),
      Tensor.float16FromFloat32(dims, [1, -2, 0.5, 65504, 6e-8, 0]),
      new Tensor('int8', dims, Int8Array.of(-128, 127, 0, 1, -1, 5)),
      new Tensor('uint8', dims, Uint8Array.of(0, 255, 1, 2, 3, 4)),
      new Tensor('int16', dims, Int16Array.of(-32768, 32767, 0, 1, -1, 5)),
      new Tensor('uint16', dims, Uint16Array.of(0, 65535, 1, 2, 3, 4)),
      Tensor.int32(dims, [-(2 ** 31), 2 ** 31 - 1, 0, 1, -1, 5]),
      new Tensor('uint32', dims, Uint32Array.of(0, 2 ** 32 - 1, 1, 2, 3, 4)),
      Tensor.int64(dims, [-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, -1n, 5n]),
      new Tensor('uint64', dims, BigUint64Array.of(0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n)),
      new Tensor('bool', dims, Uint8Array.of(1, 0, 0, 1, 1, 0)),
    ];
    for (const t of tensors) {
      const back = parseNpy(encodeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect(tensorsEqual(back, t)).toBe(true);
    }
  });

  it('refuses types numpy files cannot hold, naming the file', () => {
    const e = errorOf(() => writeNpyFile('out/w.npy', new Tensor('bfloat16', [1], Uint16Array.of(0))));
    expect(e.message).toMatch(
      /^out\/w\.npy: a bfloat16 tensor cannot be written as .npy; supported types: float16/,
    );
  });

  it('writes files whole, readable back, with no temporary left behind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npy-'));
    try {
      const file = path.join(dir, 'a.npy');
      const t = Tensor.float32(
        [1, 3, 4, 4],
        Array.from({ length: 48 }, (_, i) => i / 7),
      );
      writeNpyFile(file, t);
      expect(tensorsEqual(readNpyFile(file), t)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['a.npy']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
