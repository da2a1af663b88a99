import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import { loadTflite } from '../../src/runtime/litert.js';

const SELFIE = path.resolve('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite');

describe('TFLite input through the CLI', () => {
  it('--scheme none writes <stem>_float.tflite, which LiteRT runs with the original outputs', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-'));
    const r = cli(['--input', SELFIE, '--output', out, '--scheme', 'none']);
    expect(r.code).toBe(0);
    const file = path.join(out, 'selfie_segmentation_float.tflite');
    const a = await loadTflite(fs.readFileSync(SELFIE));
    const b = await loadTflite(fs.readFileSync(file));
    const x = Float32Array.from({ length: 256 * 256 * 3 }, (_, i) => ((i * 7919) % 255) / 255);
    const ra = Object.values(await a.run([x]))[0]!.data;
    const rb = Object.values(await b.run([x]))[0]!.data;
    // float16 weights become float32 exactly, so the outputs are equal, not close
    expect(Array.from(rb as Float32Array)).toEqual(Array.from(ra as Float32Array));
  });

  it('quantizes to an int8 .tflite (custom op left float), evaluated in LiteRT, with the report', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-'));
    const r = cli(['--input', SELFIE, '--output', out, '--scheme', 'affine', '--calib_samples', '4']);
    expect(r.code).toBe(0);
    const model = importTflite(fs.readFileSync(path.join(out, 'selfie_segmentation_quant.tflite')));
    const ops = model.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'CONV_2D').length).toBeGreaterThan(10);
    expect(ops).toContain('CUSTOM');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'selfie_segmentation_report.json'), 'utf8'));
    expect(report.outputs).toHaveLength(1);
    expect(report.outputs[0]).toMatchObject({ format: 'tflite', runtime: 'litert' });
    expect(report.float).toHaveLength(1);
    expect(report.float[0].op).toMatch(/^CUSTOM/);
    expect(r.stdout).toMatch(/\| tflite \|/);
    expect(cli(['--input', SELFIE, '--output', out, '--formats', 'onnx', '--scheme', 'none']).stderr).toMatch(
      /--formats: a TFLite input is written as TFLite only/,
    );
  });

  it('pow2 (the default): a model the integer executor cannot run (RESIZE_BILINEAR, a custom op) is still written and evaluated in LiteRT, the device figures replaced by a warning', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-'));
    const r = cli(['--input', SELFIE, '--output', out, '--calib_samples', '2']);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'selfie_segmentation_report.json'), 'utf8'));
    expect(report.settings.scheme).toBe('pow2');
    expect(report.outputs[0]).toMatchObject({ format: 'tflite', runtime: 'litert' });
    expect(report.device).toBeUndefined();
    expect(report.warnings.join('\n')).toMatch(
      /no device \(integer executor\) figures: node 'up_sampling2d': operator RESIZE_BILINEAR/,
    );
  });
});
