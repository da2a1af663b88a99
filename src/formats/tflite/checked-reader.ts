/**
 * Bounds-checked flatbuffer access. The `flatbuffers` ByteBuffer reads whatever an offset says (past the
 * end it yields undefined or garbage), so every table, field, vector and string is validated here against
 * the buffer before it is read, and every failure becomes a ModelFormatError naming the file.
 * A work budget stops files whose offsets make many vectors share one large region (a quadratic "bomb").
 */
import { ByteBuffer } from 'flatbuffers';
import { ModelFormatError } from '../../errors.js';

export interface Table {
  pos: number;
  vtable: number;
  vtableSize: number;
  tableSize: number;
}
export interface Vector {
  start: number;
  length: number;
}

const UTF8 = new TextDecoder('utf-8');

export class CheckedReader {
  readonly bb: ByteBuffer;
  private budget: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.budget = 8 * bytes.length + 4096;
  }

  fail(message: string): never {
    throw new ModelFormatError(this.file, message);
  }

  /** Charges `n` units of decoding work; legal files spend at most a few per byte. */
  spend(n: number, what: string): void {
    this.budget -= n;
    if (this.budget < 0) this.fail(`${what}: the file's offsets overlap too much to be a valid model`);
  }

  check(pos: number, size: number, what: string): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.bytes.length)) {
      this.fail(`${what} lies outside the file (offset ${pos}, ${size} bytes, file is ${this.bytes.length})`);
    }
  }

  u32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.bb.readUint32(pos);
  }

  /** The table at `pos`, after checking its vtable. */
  table(pos: number, what: string): Table {
    this.check(pos, 4, what);
    const vtable = pos - this.bb.readInt32(pos);
    this.check(vtable, 4, `${what} vtable`);
    const vtableSize = this.bb.readUint16(vtable);
    const tableSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`${what}: malformed vtable`);
    this.check(vtable, vtableSize, `${what} vtable`);
    this.check(pos, Math.max(tableSize, 4), what);
    this.spend(vtableSize / 2, what);
    return { pos, vtable, vtableSize, tableSize };
  }

  /** Absolute position of a field of `size` bytes, or 0 when absent. */
  field(t: Table, slot: number, size: number, what: string): number {
    const entry = 4 + 2 * slot;
    if (entry + 2 > t.vtableSize) return 0;
    const offset = this.bb.readUint16(t.vtable + entry);
    if (offset === 0) return 0;
    if (offset < 4 || offset + size > t.tableSize) this.fail(`${what}: field lies outside its table`);
    return t.pos + offset;
  }

  int8(t: Table, slot: number, def: number, what: string): number {
    const p = this.field(t, slot, 1, what);
    return p ? this.bb.readInt8(p) : def;
  }
  uint8(t: Table, slot: number, def: number, what: string): number {
    const p = this.field(t, slot, 1, what);
    return p ? this.bb.readUint8(p) : def;
  }
  bool(t: Table, slot: number, def: boolean, what: string): boolean {
    const p = this.field(t, slot, 1, what);
    return p ? this.bb.readUint8(p) !== 0 : def;
  }
  int32(t: Table, slot: number, def: number, what: string): number {
    const p = this.field(t, slot, 4, what);
    return p ? this.bb.readInt32(p) : def;
  }
  uint32(t: Table, slot: number, def: number, what: string): number {
    const p = this.field(t, slot, 4, what);
    return p ? this.bb.readUint32(p) : def;
  }
  float32(t: Table, slot: number, def: number, what: string): number {
    const p = this.field(t, slot, 4, what);
    return p ? this.bb.readFloat32(p) : def;
  }
  uint64(t: Table, slot: number, what: string): bigint {
    const p = this.field(t, slot, 8, what);
    return p ? this.bb.readUint64(p) : 0n;
  }

  /** Follows an offset field (uoffset, always forward) to its target, or 0 when absent. */
  ref(t: Table, slot: number, what: string): number {
    const p = this.field(t, slot, 4, what);
    if (!p) return 0;
    const target = p + this.bb.readUint32(p);
    this.check(target, 4, what);
    return target;
  }

  vectorAt(pos: number, elementSize: number, what: string): Vector {
    const length = this.u32(pos, what);
    this.check(pos + 4, length * elementSize, what);
    this.spend(length, what);
    return { start: pos + 4, length };
  }

  vector(t: Table, slot: number, elementSize: number, what: string): Vector | undefined {
    const target = this.ref(t, slot, what);
    return target ? this.vectorAt(target, elementSize, what) : undefined;
  }

  string(t: Table, slot: number, what: string): string | undefined {
    const v = this.vector(t, slot, 1, what);
    return v ? UTF8.decode(this.bytes.subarray(v.start, v.start + v.length)) : undefined;
  }

  bytesOf(t: Table, slot: number, what: string): Uint8Array | undefined {
    const v = this.vector(t, slot, 1, what);
    return v ? this.bytes.subarray(v.start, v.start + v.length) : undefined;
  }

  int32s(t: Table, slot: number, what: string): number[] | undefined {
    const v = this.vector(t, slot, 4, what);
    return v && Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
  }

  float32s(t: Table, slot: number, what: string): number[] | undefined {
    const v = this.vector(t, slot, 4, what);
    return v && Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i));
  }

  int64s(t: Table, slot: number, what: string): bigint[] | undefined {
    const v = this.vector(t, slot, 8, what);
    return v && Array.from({ length: v.length }, (_, i) => this.bb.readInt64(v.start + 8 * i));
  }

  bools(t: Table, slot: number, what: string): boolean[] | undefined {
    const v = this.vector(t, slot, 1, what);
    return v && Array.from({ length: v.length }, (_, i) => this.bb.readUint8(v.start + i) !== 0);
  }

  /** A vector of tables, each decoded by `read` (given the table and its index). */
  tables<T>(t: Table, slot: number, what: string, read: (table: Table, index: number) => T): T[] {
    const v = this.vector(t, slot, 4, what);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const p = v.start + 4 * i;
      return read(this.table(p + this.bb.readUint32(p), `${what}[${i}]`), i);
    });
  }

  /** The sub-table an offset field points to, or undefined when absent. */
  child(t: Table, slot: number, what: string): Table | undefined {
    const target = this.ref(t, slot, what);
    return target ? this.table(target, what) : undefined;
  }
}
