import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { selfieBytes } from './helpers.js';
import { byteMutations } from './mutations.js';

const original = selfieBytes();

const MUTATIONS = byteMutations(original, 20240611);

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
