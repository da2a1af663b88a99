import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe("the original's examples, as written", () => {
  it.each([
    ['mobilenet_v1_bn', ['output']],
    ['mmoe', ['ctr', 'cvr']],
  ])(
    '%s.onnx --input_scale 10 --bias_mode B16 writes _quant.onnx and _quant.tflite, each evaluated per output',
    (stem, outputs) => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-ex-'));
      const r = cli([
        '--input',
        `examples/${stem}.onnx`,
        '--output',
        out,
        '--input_scale',
        '10',
        '--bias_mode',
        'B16',
        '--calib_samples',
        '16',
      ]);
      expect(r.code).toBe(0);
      expect(fs.existsSync(path.join(out, `${stem}_quant.onnx`))).toBe(true);
      expect(fs.existsSync(path.join(out, `${stem}_quant.tflite`))).toBe(true);
      const report = JSON.parse(fs.readFileSync(path.join(out, `${stem}_report.json`), 'utf8'));
      expect(report.outputs.map((o: { format: string; runtime: string }) => [o.format, o.runtime])).toEqual([
        ['onnx', 'onnxruntime'],
        ['tflite', 'litert'],
      ]);
      for (const o of report.outputs) expect(Object.keys(o.metrics).sort()).toEqual(outputs);
      expect(report.inputScales).toMatchObject(stem === 'mmoe' ? { dense: 10 } : { input: 10 });
      // pow2: the .tflite also runs in the integer executor, the fixed-point device's arithmetic (shifts
      // rounded, the default --rounding)
      expect(report.device).toMatchObject({ runtime: 'integer', rounding: 'nearest', biasMode: 'B16' });
      expect(Object.keys(report.device.metrics).sort()).toEqual(outputs);
    },
  );
});

describe("the original's TFLite examples, as written", () => {
  it.each(['mobilenet_v1_bn', 'mmoe'])(
    '%s.tflite --input_scale 10 --bias_mode B16 writes _quant.tflite, run in LiteRT',
    (stem) => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-ex-'));
      const r = cli([
        '--input',
        `examples/${stem}.tflite`,
        '--output',
        out,
        '--input_scale',
        '10',
        '--bias_mode',
        'B16',
        '--calib_samples',
        '8',
      ]);
      expect(r.code).toBe(0);
      expect(fs.readdirSync(out).filter((f) => /\.(onnx|tflite)$/.test(f))).toEqual([`${stem}_quant.tflite`]);
      const report = JSON.parse(fs.readFileSync(path.join(out, `${stem}_report.json`), 'utf8'));
      expect(report.outputs[0]).toMatchObject({ format: 'tflite', runtime: 'litert' });
      expect(Object.keys(report.outputs[0].metrics).length).toBeGreaterThan(0);
    },
  );
});
