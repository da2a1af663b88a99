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

  it('flags that cannot apply to a .tflite input: --onnx_format qoperator and --io_type int8 are usage errors (exit 2, nothing written), --tflite_layout nhwc a report warning', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-'));
    const qoperator = cli(['--input', SELFIE, '--output', out, '--onnx_format', 'qoperator']);
    expect(qoperator.code).toBe(2);
    expect(qoperator.stderr).toMatch(/--onnx_format: a \.tflite input is written as TFLite only/);
    const int8 = cli(['--input', SELFIE, '--output', out, '--io_type', 'int8']);
    expect(int8.code).toBe(2);
    expect(int8.stderr).toMatch(/--io_type: applies to ONNX inputs converted to TFLite/);
    expect(fs.readdirSync(out)).toEqual([]);
    const nhwc = cli(['--input', SELFIE, '--output', out, '--scheme', 'none', '--tflite_layout', 'nhwc']);
    expect(nhwc.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'selfie_segmentation_report.json'), 'utf8'));
    expect(report.warnings).toContain(
      '--tflite_layout nhwc applies to ONNX inputs; a .tflite input keeps its own layout (NHWC already)',
    );
  });

  it('--equalize and --bias_correction apply to a .tflite input: the report says what each changed, LiteRT runs the file', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-'));
    const args = ['--input', SELFIE, '--output', out, '--calib_samples', '2'];
    const r = cli([...args, '--equalize', 'true', '--bias_correction', 'true']);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'selfie_segmentation_report.json'), 'utf8'));
    // selfie_segmentation: conv -> RELU -> conv pairs in its squeeze-excite blocks and depthwise stages.
    expect(report.equalization.pairs.length).toBeGreaterThan(5);
    expect(report.biasCorrection.corrected.length).toBeGreaterThan(20);
    expect(report.outputs[0]).toMatchObject({ format: 'tflite', runtime: 'litert' });
    expect(Number.isFinite(report.outputs[0].metrics.activation_10.sqnrDb)).toBe(true);
    const runner = await loadTflite(fs.readFileSync(path.join(out, 'selfie_segmentation_quant.tflite')));
    const x = Float32Array.from({ length: 256 * 256 * 3 }, (_, i) => ((i * 7919) % 255) / 255);
    const mask = Object.values(await runner.run([x]))[0]!.data as Float32Array;
    runner.close();
    expect(mask.every((v) => v >= 0 && v <= 1)).toBe(true);
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
