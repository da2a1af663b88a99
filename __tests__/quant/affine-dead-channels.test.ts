/**
 * Affine weight scales of a conv with dead channels (PP-OCRv4 rec after BatchNorm folding: max |w| near
 * 1e-38 and below, a bias of -0.8). max |w| / 127 would be a float32 subnormal, which XNNPACK refuses (LiteRT
 * then runs the conv in its reference kernel, 100x slower), and a bias at s_in * s_w that clamps at int32's
 * end (the channel outputs 0 instead of its bias). Scales are held at 2^-16 of the widest channel's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import { BuiltinOperator } from '../../src/formats/tflite/schema.js';
import { ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { affineChannelScales } from '../../src/quant/params.js';
import { GraphBuilder } from '../../scripts/examples/builder.js';
import { Random } from '../../scripts/examples/random.js';
import { outputSteps, runOnnxFile, runTfliteFile, writeSamples, type Feeds } from '../corpus/files.js';
import { cli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-dead-channels-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const [CIN, COUT, HW] = [4, 8, 8];
/** Channel 3: weights 1e-40 (max |w| / 127 is subnormal), bias -0.8; channel 6: all zero, bias 0.5. */
const [DEAD, ZERO] = [3, 6];
const DEAD_BIAS = -0.8;

function writeModel(file: string): void {
  const r = new Random(5);
  const per = CIN * 9;
  const w = r.normals(COUT * per, 0, 0.3);
  w.fill(1e-40, DEAD * per, (DEAD + 1) * per);
  w.fill(0, ZERO * per, (ZERO + 1) * per);
  const bias = r.normals(COUT, 0, 0.2);
  bias[DEAD] = DEAD_BIAS;
  bias[ZERO] = 0.5;
  const b = new GraphBuilder('dead_channels');
  b.input('x', 'float32', [1, CIN, HW, HW]);
  b.init('w', Tensor.float32([COUT, CIN, 3, 3], w));
  b.init('b', Tensor.float32([COUT], bias));
  b.node('Conv', 'y', ['x', 'w', 'b'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  b.output('y', 'float32', [1, COUT, HW, HW]);
  writeOnnxFile(b.model('a conv with a dead channel'), file);
}

function feeds(count: number, seed: number): Feeds[] {
  const r = new Random(seed);
  return Array.from({ length: count }, () => ({
    x: Tensor.float32(
      [1, CIN, HW, HW],
      Float32Array.from({ length: CIN * HW * HW }, () => r.range(-1, 1)),
    ),
  }));
}

/** The output's channel c over every sample (NCHW). */
const channel = (outs: Map<string, Float32Array>[], c: number): number[] =>
  outs.flatMap((o) => [...o.get('y')!.subarray(c * HW * HW, (c + 1) * HW * HW)]);

describe('affine weight scales of dead channels', () => {
  it('are held at 2^-16 of the widest channel; all-zero channels keep 1 and do not count as the widest', () => {
    // 127 / 127 = 1; 1e-30 / 127 is held at 2^-16; 0 -> 1; 63.5 / 127 = 0.5.
    expect([...affineChannelScales(Float64Array.of(127, 1e-30, 0, 63.5))]).toEqual([1, 2 ** -16, 1, 0.5]);
    expect([...affineChannelScales(Float64Array.of(0, 1e-30))]).toEqual([1, 1e-30 / 127]);
  });

  it('keep float32-normal scales in the .tflite and the bias in both files', async () => {
    const input = path.join(dir, 'dead_channels.onnx');
    writeModel(input);
    const out = path.join(dir, 'out');
    const r = cli([
      '--input',
      input,
      '--output',
      out,
      '--scheme',
      'affine',
      '--calib_data',
      writeSamples(feeds(8, 1)),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [onnxFile, tfliteFile] = ['onnx', 'tflite'].map((e) => path.join(out, `dead_channels_quant.${e}`));

    // XNNPACK delegates a per-channel int8 filter only when every scale is a normal float32 (>= 2^-126).
    const m = readTflite(fs.readFileSync(tfliteFile!), tfliteFile!);
    const sg = m.subgraphs[0]!;
    const conv = sg.operators.find(
      (op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOperator.CONV_2D,
    )!;
    const scales = sg.tensors[conv.inputs[1]!]!.quantization!.scale!;
    expect(scales).toHaveLength(COUT);
    expect(Math.min(...scales)).toBeGreaterThanOrEqual(2 ** -126);

    // The float model (ORT) puts the dead channel at its bias (1e-40 x |x| <= 36e-40 adds nothing); both
    // files put it within one output step of that.
    const held = feeds(3, 2);
    const float = await runOnnxFile(input, held);
    const step = outputSteps(onnxFile!, float).get('y')!;
    for (const v of channel(float, DEAD)) expect(v).toBeCloseTo(DEAD_BIAS, 6);
    for (const outs of [await runOnnxFile(onnxFile!, held), await runTfliteFile(tfliteFile!, held)]) {
      for (const v of channel(outs, DEAD)) expect(Math.abs(v - DEAD_BIAS)).toBeLessThanOrEqual(step);
      for (const v of channel(outs, ZERO)) expect(Math.abs(v - 0.5)).toBeLessThanOrEqual(step);
    }
  });
});
