import zlib from 'node:zlib';

/**
 * Byte fixtures written from the specs, independent of src/data: NEP 1 (the .npy format) and PKWARE's
 * APPNOTE.TXT (zip). Each .npy fixture spells out its preamble; only the concatenation is automated.
 */

/** Concatenates byte lists and latin1 strings. */
export function bytes(...parts: (number[] | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** A header dict padded with spaces to `length` bytes, the last being '\n' (NEP 1). */
export function header(dict: string, length: number): string {
  if (dict.length + 1 > length) throw new Error(`header does not fit in ${length} bytes`);
  return dict.padEnd(length - 1, ' ') + '\n';
}

/** A v1.0 .npy: magic, version 1.0, header length 118 (so data starts at byte 128), header, data. */
export function npyV1(dict: string, data: number[]): Uint8Array {
  return bytes([0x93], 'NUMPY', [1, 0], [118, 0], header(dict, 118), data);
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  /** 0 stored, 8 deflated, anything else to test refusal. */
  method?: number;
  /** Write the local header as Python's zipfile does with force_zip64 (numpy's savez): sizes in a zip64 extra. */
  zip64Local?: boolean;
}

const u16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: number) => [...u32(v), 0, 0, 0, 0];

/** A zip archive (APPNOTE 4.3): local headers with data, a central directory, the end record. */
export function zip(entries: ZipEntry[]): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  for (const e of entries) {
    const method = e.method ?? 0;
    const body = method === 8 ? zlib.deflateRawSync(e.data) : e.data;
    const crc = zlib.crc32(e.data);
    const name = Array.from(Buffer.from(e.name, 'utf8'));
    const dosTime = [0, 0, 0x21, 0x00]; // 00:00:00, 1980-01-01
    const offset = local.length;
    const extra = e.zip64Local ? [...u16(1), ...u16(16), ...u64(e.data.length), ...u64(body.length)] : [];
    const sizes = e.zip64Local
      ? [...u32(0xffffffff), ...u32(0xffffffff)]
      : [...u32(body.length), ...u32(e.data.length)];
    local.push(...u32(0x04034b50), ...u16(45), ...u16(0), ...u16(method), ...dosTime, ...u32(crc), ...sizes);
    local.push(...u16(name.length), ...u16(extra.length), ...name, ...extra, ...body);
    central.push(
      ...u32(0x02014b50),
      ...u16(45),
      ...u16(45),
      ...u16(0),
      ...u16(method),
      ...dosTime,
      ...u32(crc),
    );
    central.push(...u32(body.length), ...u32(e.data.length), ...u16(name.length), ...u16(0), ...u16(0));
    central.push(...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...name);
  }
  const end = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(entries.length), ...u16(entries.length)];
  end.push(...u32(central.length), ...u32(local.length), ...u16(0));
  return Uint8Array.from([...local, ...central, ...end]);
}
