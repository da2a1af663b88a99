import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { prng, selfieBytes } from './helpers.js';

const original = selfieBytes();

/** Byte positions outside constant data: the tables, vtables, vectors and strings a reader must trust. */
const structure: number[] = (() => {
  const isData = new Uint8Array(original.length);
  for (const b of readTflite(original, 'selfie_segmentation.tflite').buffers) {
    if (b.data) isData.fill(1, b.data.byteOffset, b.data.byteOffset + b.data.length);
  }
  return [...isData.keys()].filter((i) => !isData[i]);
})();

const rand = prng(20240611);
const below = (n: number): number => Math.floor(rand() * n);
/** Three in four damages hit the structure; weight bytes are read as opaque data anyway. */
const position = (): number => (rand() < 0.75 ? structure[below(structure.length)]! : below(original.length));

/** Damage of the kinds files suffer: bit rot, truncation, overwritten or shifted spans, wild offsets. */
const MUTATIONS: ((b: Uint8Array) => Uint8Array)[] = [
  (b) => {
    const out = b.slice();
    for (let k = 1 + below(8); k > 0; k--) out[position()]! ^= 1 << below(8);
    return out;
  },
  (b) => b.slice(0, below(b.length)),
  (b) => {
    const out = b.slice();
    const start = position();
    for (let i = start; i < Math.min(out.length, start + 1 + below(64)); i++) out[i] = below(256);
    return out;
  },
  (b) => {
    const out = b.slice();
    const len = 1 + below(256);
    out.copyWithin(Math.min(position(), b.length - len), below(b.length - len));
    return out;
  },
  (b) => {
    const out = b.slice();
    const word = [0, 0xffffffff, 0x7fffffff, 0x80000000, 4, below(b.length)][below(6)]!;
    new DataView(out.buffer).setUint32(position() & ~3, word, true);
    return out;
  },
];

describe('readTflite on 1,000 damaged copies of selfie_segmentation.tflite', () => {
  it('parses each or throws a ModelFormatError naming the file, nothing else', () => {
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 1000; i++) {
      const bytes = MUTATIONS[i % MUTATIONS.length]!(original);
      try {
        readTflite(bytes, 'damaged.tflite');
        outcomes.parsed++;
      } catch (error) {
        if (!(error instanceof ModelFormatError))
          throw new Error(`mutation ${i}: ${String(error)}`, { cause: error });
        expect(error.message.startsWith('damaged.tflite: ')).toBe(true);
        outcomes.rejected++;
      }
    }
    // Both outcomes occur: the damage reaches the tables, and not every change is fatal.
    expect(outcomes.rejected).toBeGreaterThan(300);
    expect(outcomes.parsed).toBeGreaterThan(50);
  });
});
