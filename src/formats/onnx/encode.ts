import fs from 'node:fs';
import protobuf from 'protobufjs';

/**
 * Protobuf encoding of a message tree whose tensor bytes are never copied into one buffer and always land
 * at file offsets that are a multiple of ALIGN, so that an importer can view them in place.
 *
 * A message that holds tensor raw data is a Frame: an ordered list of parts, each either bytes that
 * protobufjs encoded (fields that hold no raw data, kept in one shared arena), a nested Frame behind its
 * field key and length, or a TensorProto with raw data (its other fields encoded, then the raw bytes by
 * reference). Nothing is materialised until `emit` writes the parts in order to a sink (one exact-size
 * buffer, or a file descriptor in pieces).
 *
 * Alignment: a TensorProto's raw_data is preceded, where needed, by a padding field with a field number
 * ONNX does not define (PAD_FIELD). protobufjs drops unknown fields on decode (Reader.discardUnknown) and
 * ONNX Runtime and onnx ignore them, so the padding never reaches the IR. Padding depends on where the
 * tensor starts modulo ALIGN, and so does the length of every enclosing message, whose length prefix in
 * turn moves what follows it. The layout resolves this bottom-up: each frame's size is a function of its
 * start offset modulo ALIGN (16 values, memoised), and a parent picks for each child the varint width
 * that agrees with the size that width implies (see `place`). No overlong varints are written.
 */

/** Every tensor's raw bytes start at a multiple of this many bytes from the start of the encoding. */
export const ALIGN = 16;

/** The field number of padding: the largest protobuf allows, never used by onnx.proto. */
export const PAD_FIELD = 2 ** 29 - 1;
/** Its key, (PAD_FIELD << 3 | wire type 2) as a varint. */
const PAD_KEY = [0xfa, 0xff, 0xff, 0xff, 0x0f];
/** The smallest padding field: its key and a one-byte length of zero. */
const PAD_MIN = PAD_KEY.length + 1;
/** The largest padding field with a one-byte length. */
const PAD_MAX = PAD_KEY.length + 1 + 127;

/** TensorProto.raw_data: field 9, wire type 2. */
const RAW_DATA_KEY = (9 << 3) | 2;

const LEAF = 0;
const CHILD = 1;
const TENSOR = 2;

/** One part of a frame (a single shape for all kinds, which keeps the layout loops monomorphic). */
class Part {
  constructor(
    readonly kind: typeof LEAF | typeof CHILD | typeof TENSOR,
    /** LEAF: its bytes, a range of the arena. TENSOR: the TensorProto's fields but raw_data, likewise. */
    readonly start: number,
    public end: number,
    /** CHILD, TENSOR: the field's key (field number << 3 | 2); every key used here fits in one byte. */
    readonly key: number,
    /** CHILD: the nested message. */
    readonly frame: Frame | null,
    /** TENSOR: its raw data. */
    readonly data: Uint8Array | null,
  ) {}
}

/** A message whose encoding holds raw tensor data (in a nested TensorProto, at any depth). */
export class Frame {
  readonly parts: Part[] = [];
  /**
   * Memo of the layout: [c] the encoded size when the fields start at offset c modulo ALIGN, [ALIGN + c]
   * the width of the length prefix when it starts at c modulo ALIGN (see `place`). Allocated when first
   * needed; most frames are only ever asked about one offset.
   */
  memo: number[] | null = null;
}

export class Encoder {
  private readonly w = protobuf.Writer.create();
  private arena?: Uint8Array;

  /** Appends `fields`, encoded as a `type` message (its fields, without a length prefix), to `frame`. */
  fields(frame: Frame, type: protobuf.Type, fields: object): void {
    if (this.arena) throw new Error('Encoder: fields added after the layout was fixed');
    const start = this.w.pos;
    type.encode(fields, this.w);
    const end = this.w.pos;
    if (end === start) return;
    const last = frame.parts.at(-1);
    if (last?.kind === LEAF && last.end === start) last.end = end;
    else frame.parts.push(new Part(LEAF, start, end, 0, null, null));
  }

  /** Appends `child` as the length-delimited field `key` of `frame`. */
  child(frame: Frame, key: number, child: Frame): void {
    frame.parts.push(new Part(CHILD, 0, 0, key, child, null));
  }

  /**
   * Appends a TensorProto as the length-delimited field `key` of `frame`: `fields` (everything but
   * raw_data) encoded now, then raw_data holding `data` (not copied), aligned when written.
   */
  tensor(frame: Frame, key: number, type: protobuf.Type, fields: object, data: Uint8Array): void {
    if (this.arena) throw new Error('Encoder: fields added after the layout was fixed');
    const start = this.w.pos;
    type.encode(fields, this.w);
    frame.parts.push(new Part(TENSOR, start, this.w.pos, key, null, data));
  }

  /** The encoded size of `root`, as a top-level message starting at offset 0. */
  size(root: Frame): number {
    this.arena ??= this.w.finish(true);
    return size(root, 0);
  }

  /** Writes `root`, as a top-level message starting at offset 0, to `sink`; returns the bytes written. */
  emit(root: Frame, sink: Sink): number {
    this.arena ??= this.w.finish(true);
    return emit(root, 0, this.arena, sink, new Uint8Array(16));
  }
}

/** Where encoded bytes go: `write` copies `src[start, end)` (or is done with it) before it returns. */
export interface Sink {
  write(src: Uint8Array, start: number, end: number): void;
}

/** Below this many bytes a loop copies faster than TypedArray.set on a subarray. */
const SMALL_COPY = 48;

/** Into one buffer of the exact size, allocated on its own (offset 0 in its ArrayBuffer). */
export class BufferSink implements Sink {
  readonly buffer: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafeSlow(size);
  }

  write(src: Uint8Array, start: number, end: number): void {
    const buf = this.buffer;
    let pos = this.pos;
    if (end - start < SMALL_COPY) {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    } else {
      buf.set(src.subarray(start, end), pos);
      pos += end - start;
    }
    this.pos = pos;
  }

  get written(): number {
    return this.pos;
  }
}

/** Into a file descriptor: small pieces gathered in a staging buffer, large ones written as they are. */
export class FdSink implements Sink {
  private readonly staging: Buffer;
  private pos = 0;
  private total = 0;

  constructor(
    private readonly fd: number,
    stagingBytes = 1 << 20,
    private readonly direct = 1 << 16,
  ) {
    this.staging = Buffer.allocUnsafeSlow(stagingBytes);
  }

  write(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.total += n;
    if (n >= this.direct || n > this.staging.byteLength) {
      this.flush();
      writeAll(this.fd, src, start, end);
      return;
    }
    if (this.pos + n > this.staging.byteLength) this.flush();
    const buf = this.staging;
    let pos = this.pos;
    if (n < SMALL_COPY) {
      for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    } else {
      buf.set(src.subarray(start, end), pos);
      pos += n;
    }
    this.pos = pos;
  }

  /** Writes what is staged; call once after the last write. */
  flush(): void {
    if (this.pos) writeAll(this.fd, this.staging, 0, this.pos);
    this.pos = 0;
  }

  get written(): number {
    return this.total;
  }
}

function writeAll(fd: number, src: Uint8Array, start: number, end: number): void {
  while (start < end) start += fs.writeSync(fd, src, start, end - start);
}

export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Bytes of padding (0, or a padding field of PAD_MIN or more) that move `at` to a multiple of ALIGN. */
function padTo(at: number): number {
  const p = (ALIGN - (at % ALIGN)) % ALIGN;
  return p === 0 ? 0 : p >= PAD_MIN ? p : p + ALIGN;
}

/** The size of `f`'s fields when they start at an offset `start` modulo ALIGN. */
function size(f: Frame, start: number): number {
  const known = f.memo?.[start];
  if (known !== undefined) return known;
  let at = start;
  for (const p of f.parts) {
    if (p.kind === LEAF) at += p.end - p.start;
    else {
      const width = place(p, at + 1);
      const s = contentSize(p, (at + 1 + width) % ALIGN);
      at += 1 + width + s + filler(s, width);
    }
  }
  (f.memo ??= new Array<number>(2 * ALIGN))[start] = at - start;
  return at - start;
}

/** The size of a nested message (CHILD or TENSOR) whose content starts at `start` modulo ALIGN. */
function contentSize(p: Part, start: number): number {
  if (p.kind === CHILD) return size(p.frame!, start);
  // The TensorProto's other fields, then padding, the raw_data key and length, and the bytes.
  const at = start + (p.end - p.start);
  const n = p.data!.byteLength;
  const head = 1 + varintSize(n);
  return at - start + padTo(at + head) + head + n;
}

/**
 * The width of the length prefix of a nested message whose prefix starts at `at`. Its size depends on
 * where its content starts, which depends on that width: take the first width w (1..5) whose size
 * needs no more than w bytes. If it needs fewer, a padding field at the end of the message (after its
 * raw data, so nothing in it moves) brings the size up to the smallest that needs w bytes (`filler`).
 * Sizes stay under 2^31, so w = 5 always fits.
 */
function place(p: Part, at: number): number {
  const mod = at % ALIGN;
  const frame = p.frame;
  const known = frame?.memo?.[ALIGN + mod];
  if (known !== undefined) return known;
  let width = 1;
  while (varintSize(contentSize(p, (mod + width) % ALIGN)) > width) width++;
  if (frame) frame.memo![ALIGN + mod] = width;
  return width;
}

function filler(size: number, width: number): number {
  return varintSize(size) < width ? Math.max(PAD_MIN, 128 ** (width - 1) - size) : 0;
}

/** Writes `f`'s fields, starting at offset `at`; returns the offset after them. */
function emit(f: Frame, at: number, arena: Uint8Array, sink: Sink, scratch: Uint8Array): number {
  for (const p of f.parts) {
    if (p.kind === LEAF) {
      sink.write(arena, p.start, p.end);
      at += p.end - p.start;
      continue;
    }
    const width = place(p, at + 1);
    const s = contentSize(p, (at + 1 + width) % ALIGN);
    const fill = filler(s, width);
    scratch[0] = p.key;
    const head = writeVarint(scratch, 1, s + fill);
    if (head !== 1 + width) throw new Error('internal: length prefix width differs from the layout');
    sink.write(scratch, 0, head);
    const start = at + head;
    at =
      p.kind === CHILD
        ? emit(p.frame!, start, arena, sink, scratch)
        : emitTensor(p, start, arena, sink, scratch);
    if (at - start !== s) throw new Error('internal: message size differs from the layout');
    at += writePadding(sink, fill);
  }
  return at;
}

/** Writes a TENSOR part's content starting at `at`; returns the offset after it. */
function emitTensor(p: Part, at: number, arena: Uint8Array, sink: Sink, scratch: Uint8Array): number {
  sink.write(arena, p.start, p.end);
  at += p.end - p.start;
  const data = p.data!;
  const n = data.byteLength;
  at += writePadding(sink, padTo(at + 1 + varintSize(n)));
  scratch[0] = RAW_DATA_KEY;
  const head = writeVarint(scratch, 1, n);
  sink.write(scratch, 0, head);
  at += head;
  if (at % ALIGN !== 0) throw new Error(`internal: raw data at ${at} is not aligned`);
  sink.write(data, 0, n);
  return at + n;
}

/** A padding field of up to PAD_MAX bytes: key, length (set per use), zeros. */
const padField = new Uint8Array(PAD_MAX);
padField.set(PAD_KEY, 0);

/** Writes `n` bytes of padding fields (n is 0 or at least PAD_MIN); returns n. */
function writePadding(sink: Sink, n: number): number {
  let left = n;
  while (left > 0) {
    // One field holds up to PAD_MAX bytes; split so that no piece is left under PAD_MIN.
    const field = left <= PAD_MAX ? left : left - PAD_MAX >= PAD_MIN ? PAD_MAX : left - PAD_MIN;
    padField[PAD_KEY.length] = field - PAD_MIN;
    sink.write(padField, 0, field);
    left -= field;
  }
  return n;
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}
