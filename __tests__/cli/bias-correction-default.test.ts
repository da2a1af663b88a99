import { describe, expect, it } from 'vitest';
import { FLAGS, parseOptions } from '../../src/options.js';

describe('--bias_correction default (auto)', () => {
  const parse = (o: Record<string, string>) => parseOptions({ input: 'm.onnx', ...o }).biasCorrection;

  it('is auto: true under affine, false under pow2 (the default scheme)', () => {
    expect(FLAGS.find((f) => f.name === 'bias_correction')!.default).toBe('auto');
    expect(parse({ scheme: 'affine' })).toBe(true);
    expect(parse({ scheme: 'pow2' })).toBe(false);
    expect(parse({})).toBe(false);
    expect(parse({ scheme: 'affine', bias_correction: 'AUTO' })).toBe(true);
  });

  it('an explicit value wins over the scheme', () => {
    expect(parse({ scheme: 'affine', bias_correction: 'false' })).toBe(false);
    expect(parse({ scheme: 'pow2', bias_correction: 'true' })).toBe(true);
    expect(parse({ scheme: 'affine', bias_correction: 'measured' })).toBe('measured');
    expect(() => parse({ bias_correction: 'maybe' })).toThrow(/use auto, false, true, chain or measured/);
  });
});
