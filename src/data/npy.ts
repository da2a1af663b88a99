import fs from 'node:fs';
import { DataError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { Tensor, elementCount } from '../ir/tensor.js';
import { writeFileAtomic } from '../util/fs.js';
import { parsePyLiteral, type PyValue } from './npy-header.js';

/**
 * NumPy `.npy` files (NEP 1 / `numpy.lib.format`): a magic string, a version, a header length, a Python
 * dict literal describing dtype, order and shape, then the raw array bytes.
 */

const MAGIC = '\x93NUMPY';
/** numpy pads the header so the data starts on a 64-byte boundary (format.ARRAY_ALIGN). */
const ALIGN = 64;

/** numpy's type codes (kind and item size, as in `dtype.str` without the byte order) to IR types. */
const FROM_NPY: Readonly<Record<string, DType>> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  b1: 'bool',
};
const TO_NPY = new Map<DType, string>(Object.entries(FROM_NPY).map(([code, dtype]) => [dtype, code]));
const SUPPORTED = Object.keys(FROM_NPY).join(' ');

/** Why a numpy kind is refused, for the kinds a user is likely to meet. */
const REFUSED_KINDS: Readonly<Record<string, string>> = {
  O: 'it holds pickled Python objects, which are never unpickled: loading them can run code',
  U: 'it holds unicode strings',
  S: 'it holds byte strings',
  c: 'it holds complex numbers',
  M: 'it holds datetimes',
  m: 'it holds timedeltas',
  V: 'it holds raw void records',
};

export interface NpyHeader {
  dtype: DType;
  /** Big-endian data (`>` byte order), swapped on read. */
  bigEndian: boolean;
  shape: number[];
  /** Offset of the array data from the start of the file. */
  dataOffset: number;
}

/** Reads a `.npy` file into a tensor. */
export function readNpyFile(file: string): Tensor {
  return parseNpy(readBytes(file), file);
}

/**
 * Decodes `.npy` bytes. Little-endian data is viewed without a copy where its offset is aligned; `file`
 * names the source in errors.
 */
export function parseNpy(bytes: Uint8Array, file = '<bytes>'): Tensor {
  const h = parseNpyHeader(bytes, file);
  const count = elementCount(h.shape);
  const itemSize = Number(codeOf(h.dtype).slice(1));
  const need = count * itemSize;
  const found = bytes.byteLength - h.dataOffset;
  const what = `${h.dtype}[${h.shape.join(',')}]`;
  if (found < need) {
    throw new DataError(
      file,
      `truncated .npy: the header declares ${what} (${need} bytes of data) but ${found} follow`,
    );
  }
  if (found > need) {
    throw new DataError(
      file,
      `malformed .npy: ${found - need} unexpected bytes after the ${need} bytes of ${what}`,
    );
  }
  let data = bytes.subarray(h.dataOffset);
  if (h.bigEndian && itemSize > 1) data = swapBytes(data, itemSize);
  return Tensor.fromBytes(h.dtype, h.shape, data);
}

/** Decodes the preamble and header dict of a `.npy` file. */
export function parseNpyHeader(bytes: Uint8Array, file = '<bytes>'): NpyHeader {
  if (bytes.byteLength < 10 || latin1(bytes.subarray(0, 6)) !== MAGIC) {
    throw new DataError(file, 'not a .npy file: it does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3) {
    throw new DataError(
      file,
      `.npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Version 1 has a 2-byte header length; 2 and 3 a 4-byte one (both little-endian).
  const start = major === 1 ? 10 : 12;
  if (bytes.byteLength < start)
    throw new DataError(file, 'truncated .npy: the file ends inside its preamble');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = start + headerLength;
  if (bytes.byteLength < dataOffset) {
    throw new DataError(
      file,
      `truncated .npy: the header is ${headerLength} bytes but the file ends before it does`,
    );
  }
  const raw = bytes.subarray(start, dataOffset);
  // Version 3 exists only to allow utf8 in field names; 1 and 2 headers are latin1.
  const text = major === 3 ? new TextDecoder('utf-8').decode(raw) : latin1(raw);
  let dict: PyValue;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    throw new DataError(
      file,
      `malformed .npy header (${(e as Error).message}): ${JSON.stringify(text.trim())}`,
    );
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
    throw new DataError(file, `malformed .npy header: expected a dict, got ${JSON.stringify(text.trim())}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) throw new DataError(file, `malformed .npy header: it has no '${key}' key`);
  }
  const { dtype, bigEndian } = parseDescr(dict.descr!, file);
  const shape = parseShape(dict.shape!, file);
  const fortran = dict.fortran_order;
  if (typeof fortran !== 'boolean')
    throw new DataError(file, `malformed .npy header: 'fortran_order' must be True or False`);
  // With at most one axis longer than 1, Fortran and C order lay the bytes out identically.
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw new DataError(
      file,
      `the array (shape (${shape.join(', ')})) is stored in Fortran (column-major) order, which is not supported; ` +
        'save it in C order, e.g. np.save(f, np.ascontiguousarray(a))',
    );
  }
  return { dtype, bigEndian, shape, dataOffset };
}

function parseDescr(descr: PyValue, file: string): { dtype: DType; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new DataError(
      file,
      'structured arrays (record dtypes) are not supported; save each field as its own array',
    );
  }
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  const kind = m?.[2];
  const code = kind === '?' ? 'b1' : `${kind}${m?.[3]}`;
  const dtype = FROM_NPY[code];
  if (!m || !dtype) {
    const why = kind !== undefined ? REFUSED_KINDS[kind] : undefined;
    throw new DataError(
      file,
      `dtype '${descr}' is not supported${why ? ` (${why})` : ''}; supported: ${SUPPORTED}`,
    );
  }
  // '=' (native) does not occur in files numpy writes; it is read as little-endian, the order of every
  // platform this tool runs on.
  return { dtype, bigEndian: m[1] === '>' };
}

function parseShape(shape: PyValue, file: string): number[] {
  if (
    !Array.isArray(shape) ||
    shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
  ) {
    throw new DataError(file, `malformed .npy header: 'shape' must be a tuple of non-negative integers`);
  }
  return shape as number[];
}

function codeOf(dtype: DType): string {
  return TO_NPY.get(dtype)!;
}

/**
 * The preamble and header of a `.npy` file for `t`: version 1.0 unless the header needs more than 64 KiB
 * (2.0), padded with spaces so that the data starts on a 64-byte boundary.
 */
export function npyHeader(t: Tensor, file = '<bytes>'): Uint8Array {
  const code = TO_NPY.get(t.dtype);
  if (!code) {
    throw new DataError(
      file,
      `a ${t.dtype} tensor cannot be written as .npy; supported types: ${[...TO_NPY.keys()].join(', ')}`,
    );
  }
  // numpy writes '|' (byte order not applicable) for one-byte types.
  const descr = `${code.endsWith('1') ? '|' : '<'}${code}`;
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const preamble = dict.length + 1 + 10 <= 0xffff ? 10 : 12;
  const total = Math.ceil((preamble + dict.length + 1) / ALIGN) * ALIGN;
  const text = dict.padEnd(total - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(Buffer.from(MAGIC, 'latin1'));
  out[6] = preamble === 10 ? 1 : 2;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (preamble === 10) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), preamble);
  return out;
}

/** `t` as `.npy` bytes (little-endian, C order). */
export function encodeNpy(t: Tensor, file = '<bytes>'): Uint8Array {
  const header = npyHeader(t, file);
  const data = t.bytes();
  const out = new Uint8Array(header.byteLength + data.byteLength);
  out.set(header);
  out.set(data, header.byteLength);
  return out;
}

/** Writes `t` to `file` as `.npy`, whole or not at all, without copying the data into one buffer. */
export function writeNpyFile(file: string, t: Tensor): void {
  const header = npyHeader(t, file);
  writeFileAtomic(file, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, header);
      writeAll(fd, t.bytes());
    } finally {
      fs.closeSync(fd);
    }
  });
}

export function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** One write(2) may write less than asked (Linux caps it near 2 GiB). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

function swapBytes(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let i = 0; i < src.byteLength; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = src[i + size - 1 - j]!;
  }
  return out;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
