import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { encodeNpz, parseNpz, readNpzFile, writeNpzFile } from '../../src/data/npz.js';
import { DataError } from '../../src/errors.js';
import { Tensor, tensorsEqual } from '../../src/ir/tensor.js';
import { npyV1, zip } from './fixtures.js';

const DENSE = npyV1(
  "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
  [0, 0, 0, 0x3f, 0, 0, 0xa0, 0xbf],
);
const IDS = npyV1(
  "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }",
  [7, 0, 0, 0, 0, 0, 0, 0, 0xe7, 3, 0, 0, 0, 0, 0, 0],
);

/** What numpy 2.4.6 writes for `np.savez(f, dense=[[0.5, -1.25]] (f4), ids=[[7, 999]] (i8))`, zip64 local headers and all. */
const NUMPY_SAVEZ =
  'UEsDBC0AAAAAAAAAIQANAfB3//////////8JABQAZGVuc2UubnB5AQAQAIgAAAAAAAAAiAAAAAAAAACTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAD8AAKC/UEsDBC0AAAAAAAAAIQC15CF///////////8HABQAaWRzLm5weQEAEACQAAAAAAAAAJAAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAAAAAAAOcDAAAAAAAAUEsBAi0DLQAAAAAAAAAhAA0B8HeIAAAAiAAAAAkAAAAAAAAAAAAAAIABAAAAAGRlbnNlLm5weVBLAQItAy0AAAAAAAAAIQC15CF/kAAAAJAAAAAHAAAAAAAAAAAAAACAAcMAAABpZHMubnB5UEsFBgAAAAACAAIAbAAAAIwBAAAAAA==';
/** The same arrays through `np.savez_compressed`. */
const NUMPY_SAVEZ_COMPRESSED =
  'UEsDBC0AAAAIAAAAIQANAfB3//////////8JABQAZGVuc2UubnB5AQAQAIgAAAAAAAAATgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGOgpGmjoKtQpkAy4GBgZ7BoYF+wFQSwMELQAAAAgAAAAhALXkIX///////////wcAFABpZHMubnB5AQAQAJAAAAAAAAAATQAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGOgpGmjoKtQpkAy52Bgh4zgyhAVBLAQItAy0AAAAIAAAAIQANAfB3TgAAAIgAAAAJAAAAAAAAAAAAAACAAQAAAABkZW5zZS5ucHlQSwECLQMtAAAACAAAACEAteQhf00AAACQAAAABwAAAAAAAAAAAAAAgAGJAAAAaWRzLm5weVBLBQYAAAAAAgACAGwAAAAPAQAAAAA=';

function expectSample(arrays: Record<string, Tensor>): void {
  expect(Object.keys(arrays)).toEqual(['dense', 'ids']);
  expect(arrays.dense!.dtype).toBe('float32');
  expect(arrays.dense!.dims).toEqual([1, 2]);
  expect(Array.from(arrays.dense!.data as Float32Array)).toEqual([0.5, -1.25]);
  expect(arrays.ids!.dtype).toBe('int64');
  expect(Array.from(arrays.ids!.data as BigInt64Array)).toEqual([7n, 999n]);
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

describe('parseNpz', () => {
  it('reads stored entries', () => {
    expectSample(
      parseNpz(
        zip([
          { name: 'dense.npy', data: DENSE },
          { name: 'ids.npy', data: IDS },
        ]),
      ),
    );
  });

  it('reads deflated entries', () => {
    expectSample(
      parseNpz(
        zip([
          { name: 'dense.npy', data: DENSE, method: 8 },
          { name: 'ids.npy', data: IDS, method: 8 },
        ]),
      ),
    );
  });

  it('reads local headers with zip64 size fields, as Python writes for numpy', () => {
    const archive = zip([
      { name: 'dense.npy', data: DENSE, zip64Local: true },
      { name: 'ids.npy', data: IDS, method: 8, zip64Local: true },
    ]);
    expectSample(parseNpz(archive));
  });

  it("reads numpy's own savez and savez_compressed output", () => {
    expectSample(parseNpz(Buffer.from(NUMPY_SAVEZ, 'base64')));
    expectSample(parseNpz(Buffer.from(NUMPY_SAVEZ_COMPRESSED, 'base64')));
  });

  it('skips folder entries and reads an empty archive as no arrays', () => {
    expect(
      Object.keys(
        parseNpz(
          zip([
            { name: 'sub/', data: new Uint8Array() },
            { name: 'sub/ids.npy', data: IDS },
          ]),
        ),
      ),
    ).toEqual(['sub/ids']);
    expect(parseNpz(zip([]))).toEqual({});
  });
});

describe('parseNpz errors name the file and the entry', () => {
  const file = 'samples/0.npz';
  it.each([
    [
      'not a zip',
      () => parseNpz(DENSE, file),
      /^samples\/0\.npz: not a valid \.npz file \(a zip archive of \.npy arrays\)/,
    ],
    [
      'an entry that is not .npy',
      () => parseNpz(zip([{ name: 'notes.txt', data: new Uint8Array(3) }]), file),
      /entry 'notes\.txt' is not a \.npy array/,
    ],
    [
      'an unsupported compression method',
      () => parseNpz(zip([{ name: 'dense.npy', data: DENSE, method: 12 }]), file),
      /entry 'dense\.npy' uses zip compression method 12; only stored \(0\) and deflated \(8\)/,
    ],
    [
      'a broken array inside',
      () => parseNpz(zip([{ name: 'ids.npy', data: IDS.subarray(0, 130) }]), file),
      /^samples\/0\.npz: entry ids\.npy: truncated \.npy/,
    ],
  ])('%s', (_title, read, message) => {
    const e = errorOf(read);
    expect(e.file).toBe(file);
    expect(e.message).toMatch(message);
  });
});

describe('writing .npz', () => {
  const arrays = {
    dense: Tensor.float32([1, 2], [0.5, -1.25]),
    ids: Tensor.int64([1, 2], [7, 999]),
  };

  it('stores entries by default and deflates them on request, as savez and savez_compressed', () => {
    const stored = encodeNpz(arrays);
    const deflated = encodeNpz(arrays, { compress: true });
    // Local file header: signature, version needed (2 bytes), flags (2), then the method (APPNOTE 4.3.7).
    expect(Array.from(stored.subarray(0, 4))).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(stored[8]).toBe(0);
    expect(deflated[8]).toBe(8);
    expectSample(parseNpz(stored));
    expectSample(parseNpz(deflated));
  });

  it('gives the same bytes for the same arrays at any time (fixed entry times)', () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date(2024, 0, 1, 12, 0, 0));
      const first = encodeNpz(arrays, { compress: true });
      vi.setSystemTime(new Date(2031, 6, 9, 3, 4, 6));
      expect(encodeNpz(arrays, { compress: true })).toEqual(first);
    } finally {
      vi.useRealTimers();
    }
  });

  it('round-trips through a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npz-'));
    try {
      const file = path.join(dir, 's.npz');
      const big = {
        x: Tensor.float32(
          [64, 64],
          Array.from({ length: 4096 }, (_, i) => Math.sin(i)),
        ),
      };
      writeNpzFile(file, big, { compress: true });
      expect(tensorsEqual(readNpzFile(file).x!, big.x)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['s.npz']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty array name and unwritable types, naming the file', () => {
    expect(errorOf(() => writeNpzFile('o.npz', { '': arrays.dense })).message).toMatch(
      /^o\.npz: an array name cannot be empty/,
    );
    const bf16 = new Tensor('bfloat16', [1], Uint16Array.of(0));
    expect(errorOf(() => writeNpzFile('o.npz', { w: bf16 })).message).toMatch(
      /^o\.npz: a bfloat16 tensor cannot be written/,
    );
  });
});
