import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpyFile } from '../../src/data/npy.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import { buildTfOrigin } from '../../scripts/examples/tf-origin.js';
import { cli } from '../helpers/cli.js';
import { randomTensor, rng } from '../helpers/graphs.js';
import { agreement, outputSteps, runOnnx, runTflite } from './helpers.js';

/**
 * A TensorFlow-origin model (tf2onnx: NHWC input read through Transpose(0, 3, 1, 2), Transpose pairs
 * around the convolutions, the last Conv left NCHW and flattened into a MatMul head) quantized by the
 * CLI: the .onnx and the .tflite of one run agree (affine: within one output step on >= 99% of
 * elements; pow2: SQNR of one against the other >= 30 dB), with either --tflite_layout; with nhwc the
 * .tflite takes the model's own NHWC input as it is, and the report scores both files' outputs alike.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tf-origin-'));
const input = path.join(dir, 'tf_origin.onnx');
// Size 8: the NHWC feature-map output is [1, 8, 8, 8], where H = C cannot tell the layouts apart.
writeOnnxFile(buildTfOrigin(8), input);
const random = rng(11);
const pixels = () => randomTensor([1, 8, 8, 3], random, 0, 255);
fs.mkdirSync(path.join(dir, 'calib'));
for (let i = 0; i < 24; i++) writeNpyFile(path.join(dir, 'calib', `${i}.npy`), pixels());
const feeds = Array.from({ length: 12 }, () => ({ input_1: pixels() }));

function sqnrDb(ref: Record<string, Float32Array>[], got: Record<string, Float32Array>[]): number {
  let [signal, noise] = [0, 0];
  ref.forEach((r, i) => {
    for (const [k, x] of Object.entries(r)) {
      const y = got[i]![k]!;
      for (let j = 0; j < x.length; j++)
        [signal, noise] = [signal + x[j]! ** 2, noise + (x[j]! - y[j]!) ** 2];
    }
  });
  return 10 * Math.log10(signal / noise);
}

describe.each([
  ['affine', 'nchw'],
  ['affine', 'nhwc'],
  ['pow2', 'nchw'],
  ['pow2', 'nhwc'],
] as const)('--scheme %s --tflite_layout %s', (scheme, layout) => {
  it('the .onnx (ONNX Runtime) and the .tflite (LiteRT) of one run agree', async () => {
    const out = path.join(dir, `${scheme}_${layout}`);
    const args = ['--input', input, '--output', out, '--scheme', scheme, '--tflite_layout', layout];
    const r = cli([...args, '--calib_data', path.join(dir, 'calib')]);
    expect(r.code, r.stderr).toBe(0);
    const qdq = readOnnxFile(path.join(out, 'tf_origin_quant.onnx'));
    const bytes = new Uint8Array(fs.readFileSync(path.join(out, 'tf_origin_quant.tflite')));
    const tfl = importTflite(bytes);
    // The model's input is NHWC already: the file takes it as it is, whatever the layout option.
    expect(tfl.graph.inputs[0]!.type).toMatchObject({ shape: [1, 8, 8, 3] });
    const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
    // The tool's own report measures both files alike (it once transposed the .tflite's NHWC output).
    const report = JSON.parse(fs.readFileSync(path.join(out, 'tf_origin_report.json'), 'utf8')) as {
      outputs: { format: string; metrics: Record<string, { sqnrDb: number }> }[];
    };
    const [onnxRow, tfliteRow] = ['onnx', 'tflite'].map((f) => report.outputs.find((o) => o.format === f)!);
    for (const name of ['logits', 'residual'])
      expect(Math.abs(tfliteRow!.metrics[name]!.sqnrDb - onnxRow!.metrics[name]!.sqnrDb), name).toBeLessThan(
        1,
      );
    if (scheme === 'affine') {
      const steps = outputSteps(qdq);
      expect(steps.size).toBe(2);
      expect(agreement(ref, got, steps).withinOneStep).toBeGreaterThanOrEqual(0.99);
    } else {
      expect(sqnrDb(ref, got)).toBeGreaterThanOrEqual(30);
    }
  }, 120_000);
});
