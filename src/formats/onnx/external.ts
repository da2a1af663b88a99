import fs from 'node:fs';
import path from 'node:path';
import { ModelFormatError } from '../../errors.js';
import { byteLength, type DType } from '../../ir/dtype.js';
import { elementCount } from '../../ir/tensor.js';

type Entry = { key: string; value: string };

/**
 * Reads a tensor stored outside the model (ONNX external data: `location`, `offset`, `length` relative
 * to the model's folder). Only the tensor's byte range is read, so a model several times larger than
 * memory's comfortable size still imports tensor by tensor.
 */
export function readExternal(
  entries: Entry[],
  dtype: DType,
  dims: number[],
  tensorName: string,
  ctx: { file: string; baseDir: string; externalFiles?: Set<string> },
): Uint8Array {
  const info = Object.fromEntries(entries.map((e) => [e.key, e.value]));
  const location = info.location;
  if (!location)
    throw new ModelFormatError(ctx.file, `tensor '${tensorName}' is external but names no location`);
  if (path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
    throw new ModelFormatError(
      ctx.file,
      `tensor '${tensorName}': external location '${location}' leaves the model's folder`,
    );
  }
  const file = path.join(ctx.baseDir, location);
  const offset = info.offset ? Number(info.offset) : 0;
  const need = byteLength(dtype, elementCount(dims));
  const length = info.length ? Number(info.length) : need;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ModelFormatError(
      ctx.file,
      `tensor '${tensorName}': external offset '${info.offset}' is not a byte offset`,
    );
  }
  if (length !== need) {
    throw new ModelFormatError(
      ctx.file,
      `tensor '${tensorName}': external length ${length} but its shape needs ${need} bytes`,
    );
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    throw new ModelFormatError(
      ctx.file,
      `tensor '${tensorName}': external data file '${location}' not found next to the model`,
    );
  }
  ctx.externalFiles?.add(file);
  try {
    const size = fs.fstatSync(fd).size;
    if (offset + length > size) {
      throw new ModelFormatError(
        ctx.file,
        `tensor '${tensorName}': '${location}' is ${size} bytes, too short for offset ${offset} + ${length}`,
      );
    }
    // Allocated on a 16-byte boundary so typed arrays can view it.
    const out = new Uint8Array(new ArrayBuffer(length));
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** Collects tensors for an external data file, each at an offset aligned for memory mapping. */
export class ExternalWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  static readonly ALIGN = 4096;

  constructor(readonly location: string) {}

  add(bytes: Uint8Array): Entry[] {
    const offset = Math.ceil(this.size / ExternalWriter.ALIGN) * ExternalWriter.ALIGN;
    if (offset > this.size) this.chunks.push(new Uint8Array(offset - this.size));
    this.chunks.push(bytes);
    this.size = offset + bytes.byteLength;
    return [
      { key: 'location', value: this.location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.byteLength) },
    ];
  }

  get byteLength(): number {
    return this.size;
  }

  /** Writes the collected data to `file`, chunk by chunk (never one buffer of the whole). */
  writeTo(file: string): void {
    const fd = fs.openSync(file, 'w');
    try {
      for (const c of this.chunks) {
        let done = 0;
        while (done < c.byteLength) done += fs.writeSync(fd, c, done, c.byteLength - done);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
