import fs from 'node:fs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { DataError } from '../errors.js';
import type { Tensor } from '../ir/tensor.js';
import { writeFileAtomic } from '../util/fs.js';
import { encodeNpy, parseNpy, readBytes } from './npy.js';

/**
 * NumPy `.npz` files: a zip archive with one `<name>.npy` entry per array, stored (`np.savez`) or
 * deflated (`np.savez_compressed`). Arrays are keyed by entry name without `.npy`, as `np.load` does.
 */
export type NpzArrays = Record<string, Tensor>;

export interface NpzWriteOptions {
  /** Deflate the entries, as `np.savez_compressed` (default: stored, as `np.savez`). */
  compress?: boolean;
}

/** Zip method codes (APPNOTE 4.4.5): the two numpy writes. */
const STORED = 0;
const DEFLATED = 8;

/**
 * Entry times are fixed so that the same arrays always give the same bytes (reproducible sample files);
 * numpy's own `savez` writes this date too (zipfile.ZipInfo's default).
 */
const ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

export function readNpzFile(file: string): NpzArrays {
  return parseNpz(readBytes(file), file);
}

/** Decodes `.npz` bytes; `file` names the source in errors. */
export function parseNpz(bytes: Uint8Array, file = '<bytes>'): NpzArrays {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => checkEntry(f.name, f.compression, file) });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      file,
      `not a valid .npz file (a zip archive of .npy arrays): ${(e as Error).message}`,
    );
  }
  const out: NpzArrays = {};
  for (const [name, data] of Object.entries(entries)) {
    try {
      out[name.slice(0, -'.npy'.length)] = parseNpy(data, name);
    } catch (e) {
      if (e instanceof DataError) throw new DataError(file, `entry ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** Keeps `.npy` entries, skips folders, refuses anything else (a filter for fflate's unzip). */
function checkEntry(name: string, compression: number, file: string): boolean {
  if (name.endsWith('/')) return false;
  if (!name.endsWith('.npy')) {
    throw new DataError(file, `entry '${name}' is not a .npy array; an .npz holds only <name>.npy entries`);
  }
  if (compression !== STORED && compression !== DEFLATED) {
    throw new DataError(
      file,
      `entry '${name}' uses zip compression method ${compression}; only stored (0) and deflated (8) entries are supported`,
    );
  }
  return true;
}

/** `arrays` as `.npz` bytes, in the order given. */
export function encodeNpz(arrays: NpzArrays, opts: NpzWriteOptions = {}, file = '<bytes>'): Uint8Array {
  const files: Zippable = {};
  for (const [name, t] of Object.entries(arrays)) {
    if (name === '') throw new DataError(file, 'an array name cannot be empty');
    files[`${name}.npy`] = [encodeNpy(t, file), { level: opts.compress ? 6 : 0 }];
  }
  return zipSync(files, { mtime: ENTRY_TIME });
}

/** Writes `arrays` to `file` as `.npz`, whole or not at all. */
export function writeNpzFile(file: string, arrays: NpzArrays, opts: NpzWriteOptions = {}): void {
  const bytes = encodeNpz(arrays, opts, file);
  writeFileAtomic(file, (tmp) => fs.writeFileSync(tmp, bytes));
}
