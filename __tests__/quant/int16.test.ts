import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { tfliteCandidate } from '../../src/eval/evaluate-tflite.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTfliteFile } from '../../src/formats/tflite/import.js';
import { ints } from '../../src/ir/attrs.js';
import type { Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder, rng } from '../helpers/graphs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-int16-'));

/**
 * x[1,3,16,16] -> Conv 3x3 -> Relu -> Conv 3x3 -> Add (residual) -> Conv 1x1 -> HardSwish -> Mul by a
 * per-channel constant -> y. Named: conv_0, relu_1, conv_2, add_3, conv_4, hardswish_5, mul_6.
 */
function model(file: string): void {
  const b = new GraphBuilder(3);
  const pads = { pads: ints([1, 1, 1, 1]) };
  const x = b.input('x', [1, 3, 16, 16]);
  const c1 = b.node(
    'Conv',
    [x, b.weight('w1', [8, 3, 3, 3], -0.5, 0.5), b.weight('b1', [8], -0.2, 0.2)],
    pads,
  );
  const r1 = b.node('Relu', [c1]);
  const c2 = b.node('Conv', [r1, b.weight('w2', [8, 8, 3, 3], -0.3, 0.3), b.weight('b2', [8])], pads);
  const a = b.node('Add', [c2, r1]);
  const c3 = b.node('Conv', [a, b.weight('w3', [4, 8, 1, 1], -0.3, 0.3), b.weight('b3', [4])]);
  const h = b.node('HardSwish', [c3]);
  b.output(b.node('Mul', [h, b.weight('gain', [1, 4, 1, 1], 0.5, 1.5)]));
  writeOnnxFile(b.model(14), file);
}

const feeds = (() => {
  const random = rng(17);
  return Array.from({ length: 8 }, () => {
    const v = Float32Array.from({ length: 3 * 16 * 16 }, () => 2 * random() - 1);
    return { x: Tensor.float32([1, 3, 16, 16], v) };
  });
})();

/** Output SQNR (dB) of `run` against the float file in ONNX Runtime, over `feeds`. */
async function sqnr(floatFile: string, run: (f: { x: Tensor }) => Promise<Float32Array>): Promise<number> {
  const f = await createOrtSession(floatFile);
  let [signal, noise] = [0, 0];
  try {
    for (const feed of feeds) {
      const ref = Object.values(await f.run(feed))[0]!.toFloat32();
      const got = await run(feed);
      ref.forEach((v, i) => {
        signal += v * v;
        noise += (v - got[i]!) ** 2;
      });
    }
  } finally {
    await f.close();
  }
  return 10 * Math.log10(signal / noise);
}

async function ortSqnr(floatFile: string, quantFile: string): Promise<number> {
  const q = await createOrtSession(quantFile, { graphOptimizationLevel: 'basic' });
  try {
    return await sqnr(floatFile, async (feed) => Object.values(await q.run(feed))[0]!.toFloat32());
  } finally {
    await q.close();
  }
}

async function litertSqnr(floatFile: string, quantFile: string): Promise<number> {
  const c = await tfliteCandidate(fs.readFileSync(quantFile), 'nchw');
  try {
    return await sqnr(floatFile, async (feed) =>
      Float32Array.from(Object.values(await c.run(feed))[0]!.data),
    );
  } finally {
    await c.close();
  }
}

const typeOf = (g: Graph, v: string) => {
  const c = g.initializers.get(v);
  if (c) return c.dtype;
  const info = g.valueInfo.get(v) ?? [...g.inputs, ...g.outputs].find((i) => i.name === v);
  return info?.type?.kind === 'tensor' ? info.type.dtype : undefined;
};

describe('--int16 (affine): int16 activations, int8 weights', () => {
  const input = path.join(dir, 'net.onnx');
  model(input);
  const flags = { input, scheme: 'affine', calib_samples: '16' };

  it('writes 16-bit QDQ and TFLite 16x8 files that ORT and LiteRT run more accurately than int8', async () => {
    const plain = path.join(dir, 'plain');
    await quantizeModel(parseOptions({ ...flags, output: plain }));
    const wide = path.join(dir, 'wide');
    const { report, markdown } = await quantizeModel(
      parseOptions({ ...flags, output: wide, int16: 'Conv,Add,Mul,hardswish_5' }),
    );
    // The HardSwish's Mul half is int16, its HardSigmoid half (no 16x8 kernel) float.
    expect(report.int16!.map((n) => n.node)).toEqual([
      'conv_0',
      'conv_2',
      'add_3',
      'conv_4',
      'hardswish_5_mul',
      'mul_6',
    ]);
    expect(report.float).toEqual([
      expect.objectContaining({
        node: 'hardswish_5_hardsigmoid',
        why: expect.stringMatching(/no 16x8 kernel/),
      }),
    ]);
    expect(markdown).toContain('int16');

    // .onnx: int16 QuantizeLinear in ONNX Runtime's com.microsoft domain (opset 14 < 21), zero point 0.
    const onnx = readOnnxFile(path.join(wide, 'net_quant.onnx'));
    expect(onnx.opsetImports).toContainEqual({ domain: 'com.microsoft', version: 1 });
    const q16 = onnx.graph.nodes.filter((n) => n.opType === 'QuantizeLinear' && n.domain === 'com.microsoft');
    expect(q16.length).toBeGreaterThan(4);
    for (const q of q16) expect(onnx.graph.initializers.get(q.inputs[2]!)!.toNumbers()).toEqual([0]);

    // .tflite: the convs read and write int16 with zero point 0, int8 filters, int64 bias.
    const t = readTfliteFile(path.join(wide, 'net_quant.tflite')).graph;
    const convs = t.nodes.filter((n) => n.opType === 'CONV_2D');
    expect(convs).toHaveLength(3);
    for (const c of convs) {
      expect(c.inputs.map((v) => typeOf(t, v))).toEqual(['int16', 'int8', 'int64']);
      expect(typeOf(t, c.outputs[0]!)).toBe('int16');
      expect([...t.quantOf(c.outputs[0]!)!.zeroPoint]).toEqual([0]);
    }
    // ADD and MUL's 16x8 kernels take both inputs int16: the residual sum, the HardSwish's product, and
    // the product by a constant (whose operand is int16 too).
    const elementwise = t.nodes.filter(
      (m) => ['ADD', 'MUL'].includes(m.opType) && typeOf(t, m.outputs[0]!) === 'int16',
    );
    expect(elementwise.length).toBeGreaterThanOrEqual(3);
    for (const n of elementwise) expect(n.inputs.map((v) => typeOf(t, v))).toEqual(['int16', 'int16']);

    const [onnxPlain, onnxWide] = [
      await ortSqnr(input, path.join(plain, 'net_quant.onnx')),
      await ortSqnr(input, path.join(wide, 'net_quant.onnx')),
    ];
    const [tflitePlain, tfliteWide] = [
      await litertSqnr(input, path.join(plain, 'net_quant.tflite')),
      await litertSqnr(input, path.join(wide, 'net_quant.tflite')),
    ];
    expect(onnxWide).toBeGreaterThan(onnxPlain + 3);
    expect(tfliteWide).toBeGreaterThan(tflitePlain + 3);
    // One quantization, two runtimes: the files agree (16x8 fixed point against ORT's float QDQ).
    expect(Math.abs(tfliteWide - onnxWide)).toBeLessThan(0.5);
  }, 60_000);

  it('mixed precision under pow2 keeps ops in float and says why', async () => {
    const { report, markdown } = await quantizeModel(
      parseOptions({ ...flags, scheme: 'pow2', output: path.join(dir, 'pow2-mixed'), min_sqnr: '1' }),
    );
    expect(report.mixedPrecision).toMatchObject({ met: true, precision: 'float' });
    expect(report.mixedPrecision!.precisionNote).toMatch(/pow2 target has no int16/);
    expect(report.int16).toBeUndefined();
    expect(markdown).not.toContain('int16 activations and int8 weights');
  });

  it('is refused where it is not built: pow2, and .tflite inputs', async () => {
    const out = path.join(dir, 'refused');
    await expect(
      quantizeModel(parseOptions({ ...flags, scheme: 'pow2', output: out, int16: 'Conv' })),
    ).rejects.toThrow(/--int16.*affine only/);
    // Checked before the file is read: the flag cannot apply to any .tflite input.
    const tflite = path.join(dir, 'some.tflite');
    await expect(
      quantizeModel(parseOptions({ ...flags, input: tflite, output: out, int16: 'CONV_2D' })),
    ).rejects.toThrow(InvalidOptionError);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  });
});
