import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';

describe('quantized file sizes (both examples, both formats, both schemes)', () => {
  it.each([
    ['mobilenet_v1_bn', 'pow2'],
    ['mobilenet_v1_bn', 'affine'],
    ['mmoe', 'pow2'],
    ['mmoe', 'affine'],
  ])(
    '%s, %s: the .onnx and the .tflite are at most 0.27x the float file of their format',
    async (stem, scheme) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-size-'));
      const { report } = await quantizeModel(
        parseOptions({ input: `examples/${stem}.onnx`, output: dir, scheme, calib_samples: '4' }),
      );
      for (const format of ['onnx', 'tflite'] as const) {
        const written = fs.statSync(path.join(dir, `${stem}_quant.${format}`)).size;
        const float = fs.statSync(`examples/${stem}.${format}`).size;
        expect(report.outputs.some((o) => o.format === format)).toBe(true);
        expect(written / float).toBeLessThanOrEqual(0.27);
      }
    },
  );
});
