/**
 * Seeded corruptions of a protobuf file for the importer's fuzz test: bit flips, truncations, span
 * overwrites, and corrupted varints at the places a parser trusts most (field lengths, tags, values).
 */

export type Mutation = 'flip' | 'truncate' | 'overwrite' | 'varint';
export const MUTATIONS: readonly Mutation[] = ['flip', 'truncate', 'overwrite', 'varint'];

interface Varint {
  at: number;
  size: number;
}

/** Offsets of the varints (tags, lengths, scalar values) of a protobuf message and its nested messages. */
export function varintsOf(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  out: Varint[] = [],
  depth = 0,
): Varint[] {
  let p = start;
  while (p < end) {
    const tag = readVarint(bytes, p, end);
    if (!tag || tag.value === 0) return out;
    out.push({ at: p, size: tag.size });
    p += tag.size;
    const wire = tag.value & 7;
    if (wire === 0) {
      const v = readVarint(bytes, p, end);
      if (!v) return out;
      out.push({ at: p, size: v.size });
      p += v.size;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = readVarint(bytes, p, end);
      if (!len || p + len.size + len.value > end) return out;
      out.push({ at: p, size: len.size });
      p += len.size;
      // A payload that parses as a message is walked too; one that does not (raw bytes, strings) is not.
      if (depth < 8 && looksLikeMessage(bytes, p, p + len.value))
        varintsOf(bytes, p, p + len.value, out, depth + 1);
      p += len.value;
    } else return out;
  }
  return out;
}

function readVarint(b: Uint8Array, p: number, end: number): { value: number; size: number } | undefined {
  let value = 0;
  for (let i = 0; i < 10 && p + i < end; i++) {
    value += (b[p + i]! & 0x7f) * 2 ** (7 * i);
    if (!(b[p + i]! & 0x80)) return { value, size: i + 1 };
  }
  return undefined;
}

function looksLikeMessage(b: Uint8Array, start: number, end: number): boolean {
  let p = start;
  while (p < end) {
    const tag = readVarint(b, p, end);
    if (!tag || tag.value >>> 3 === 0 || tag.value >>> 3 > 64) return false;
    p += tag.size;
    const wire = tag.value & 7;
    if (wire === 0) {
      const v = readVarint(b, p, end);
      if (!v) return false;
      p += v.size;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = readVarint(b, p, end);
      if (!len) return false;
      p += len.size + len.value;
    } else return false;
  }
  return p === end;
}

/** Encodes `value` as a varint padded to exactly `size` bytes when it fits (an overlong but valid form). */
function encodeVarint(value: number, size: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    out.push(v % 128);
    v = Math.floor(v / 128);
  } while (v > 0);
  while (out.length < size) out.push(0);
  return out.map((x, i) => (i < out.length - 1 ? x | 0x80 : x));
}

/** One corrupted copy of `bytes`, chosen by `next` (a seeded generator). */
export function mutate(bytes: Uint8Array, kind: Mutation, next: () => number, varints: Varint[]): Uint8Array {
  const pick = (n: number) => Math.floor(next() * n);
  const out = Uint8Array.from(bytes);
  switch (kind) {
    case 'flip':
      for (let i = 1 + pick(8); i > 0; i--) out[pick(out.length)] ^= 1 << pick(8);
      return out;
    case 'truncate':
      return out.subarray(0, pick(out.length));
    case 'overwrite': {
      const len = 1 + pick(256);
      const at = pick(out.length - len);
      const fill = pick(3);
      for (let i = at; i < at + len; i++) out[i] = fill === 0 ? 0 : fill === 1 ? 0xff : pick(256);
      return out;
    }
    case 'varint': {
      const v = varints[pick(varints.length)]!;
      const choices = [0, 1, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 53, pick(2 ** 21), bytes.length];
      const value = choices[pick(choices.length)]!;
      const enc =
        next() < 0.2
          ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
          : encodeVarint(value, v.size);
      return concat(out.subarray(0, v.at), Uint8Array.from(enc), out.subarray(v.at + v.size));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
