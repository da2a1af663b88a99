/**
 * pow2 (the default command): the .onnx in ONNX Runtime and the .tflite in LiteRT compute the same
 * integers (issue 15: the two files of one run agree). A small model has each thing that once set them
 * apart: an input whose `--input_scale auto` was 125 (grids 2^n / 125, which float32 cannot hold), a
 * HardSwish (LiteRT's int8 HARD_SWISH is a step off on some inputs), and a residual Add whose operands sit
 * on grids finer than the sum's (shifted-out halves are ties, which the runtimes round differently).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import { BUILTIN_OPERATOR_NAMES } from '../../src/formats/tflite/schema.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { pow2ChannelScales } from '../../src/quant/params.js';
import { resolveInputScales } from '../../src/quant/quantize.js';
import { GraphBuilder } from '../../scripts/examples/builder.js';
import { Random } from '../../scripts/examples/random.js';
import { runOnnxFile, runTfliteFile, writeSamples, type Feeds } from '../corpus/files.js';
import { cli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-pow2-agree-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Conv, HardSwish, then two residual Adds: `first` adds a larger conv of the HardSwish output to it (the
 * HardSwish output, read by both, lies on a finer grid than the sum), `second` adds a small conv of the
 * first sum, read only by that Add, to it; a Conv head. Opset 14 (HardSwish).
 */
function buildModel(): Model {
  const r = new Random(3);
  const b = new GraphBuilder('pow2_agreement');
  const w = (name: string, dims: number[], std: number) =>
    b.init(
      name,
      Tensor.float32(
        dims,
        r.normals(
          dims.reduce((a, c) => a * c, 1),
          0,
          std,
        ),
      ),
    );
  const conv = (name: string, x: string, cin: number, cout: number, k: number, gain = 1) =>
    b.node(
      'Conv',
      name,
      [
        x,
        w(`${name}_w`, [cout, cin, k, k], gain * Math.sqrt(2 / (k * k * cin))),
        w(`${name}_b`, [cout], 0.2),
      ],
      { kernel_shape: ints([k, k]), pads: ints(k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0]) },
    );
  b.input('x', 'float32', [1, 4, 12, 12]);
  const h = b.node('HardSwish', 'hswish', [conv('conv1', 'x', 4, 16, 3)]);
  const first = b.node('Add', 'first', [conv('conv2', h, 16, 16, 1, 4), h]);
  const second = b.node('Add', 'second', [first, conv('conv3', first, 16, 16, 1, 0.25)]);
  conv('head', second, 16, 8, 3);
  b.output('head', 'float32', [1, 8, 12, 12]);
  const m = b.model('pow2 agreement of the two files');
  return { ...m, opsetImports: [{ domain: '', version: 14 }] };
}

/** Inputs in [-1.016, 1.016]: `auto` gave 125 (the largest integer), now 64. */
function feeds(count: number, seed: number): Feeds[] {
  const r = new Random(seed);
  return Array.from({ length: count }, () => {
    const d = Float32Array.from({ length: 4 * 144 }, () => r.range(-1, 1));
    d[0] = 1.016;
    return { x: Tensor.float32([1, 4, 12, 12], d) };
  });
}

const opNames = (file: string): string[] => {
  const m = readTflite(fs.readFileSync(file), file);
  return m.subgraphs[0]!.operators.map(
    (op) => BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex]!.builtinCode]!,
  );
};

describe('pow2: the .onnx (ORT) and the .tflite (LiteRT) of the default command', () => {
  it('--input_scale auto takes the largest power of two inside int8 (+1 step at the end); a given scale stays as given', () => {
    const settings = { scheme: 'pow2', inputScale: { kind: 'auto' } } as const;
    const ranges = (mag: number) => new Map([['x', { min: -mag, max: mag }]]);
    // 128 / 1.016 = 126, 128 / 1 = 128 (1 * 128 saturates to 127, a step off), 128 / 0.9 = 142.2,
    // 128 / 0.01 = 12800, 128 / 200 < 1 (at least 1, as before).
    expect(resolveInputScales(settings as never, ['x'], ranges(1))).toEqual({ x: 128 });
    expect(resolveInputScales(settings as never, ['x'], ranges(1.016))).toEqual({ x: 64 });
    expect(resolveInputScales(settings as never, ['x'], ranges(0.9))).toEqual({ x: 128 });
    expect(resolveInputScales(settings as never, ['x'], ranges(0.01))).toEqual({ x: 8192 });
    expect(resolveInputScales(settings as never, ['x'], ranges(200))).toEqual({ x: 1 });
    const given = { scheme: 'pow2', inputScale: { kind: 'all', value: 10 } } as const;
    expect(resolveInputScales(given as never, ['x'], ranges(1.016))).toEqual({ x: 10 });
  });

  it('pow2 weight scales per channel are no finer than 2^-16 of the widest channel', () => {
    // max |w| 1.5 -> 2^-6 (1.5 * 64 = 96); 0.01 -> 2^-13; 1e-30 alone -> 2^-106, held at 2^-22; 0 -> 1, which
    // does not count as the widest.
    const scales = [...pow2ChannelScales(Float64Array.of(1.5, 0.01, 1e-30, 0))];
    expect(scales).toEqual([2 ** -6, 2 ** -13, 2 ** -22, 1]);
  });

  it('compute the same outputs, element for element', async () => {
    const input = path.join(dir, 'pow2_agreement.onnx');
    writeOnnxFile(buildModel(), input);
    const out = path.join(dir, 'out');
    const r = cli(['--input', input, '--output', out, '--calib_data', writeSamples(feeds(6, 1))]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'pow2_agreement_report.json'), 'utf8'));
    expect(report.inputScales).toEqual({ x: 64 });
    const [onnxFile, tfliteFile] = ['onnx', 'tflite'].map((e) => path.join(out, `pow2_agreement_quant.${e}`));
    // HardSwish as MUL(x, hardsigmoid(x)) in the .tflite, no HARD_SWISH.
    expect(opNames(tfliteFile!)).not.toContain('HARD_SWISH');
    // conv3's output, read only by `second`, is on the sum's grid (its conv rounds once, the Add adds
    // integers); `first` reads the HardSwish output on a finer grid than its own, and its .onnx Add
    // rounds ties up: a quarter of that grid's step added before the QuantizeLinear.
    const g = readOnnxFile(onnxFile!).graph;
    const scaleOf = (v: string) => {
      const q = g.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === v)!;
      return g.initializers.get(q.inputs[1]!)!.toFloat32()[0];
    };
    expect(scaleOf('conv3')).toBe(scaleOf('second'));
    const tieUp = g.nodes.filter((n) => n.opType === 'Add' && n.name.endsWith('_tie_up'));
    expect(tieUp.map((n) => n.outputs[0])).toEqual(['first']);
    expect(scaleOf('hswish')).toBeLessThan(scaleOf('first')!);

    const held = feeds(4, 2);
    const a = await runOnnxFile(onnxFile!, held);
    const b = await runTfliteFile(tfliteFile!, held);
    let [differ, total, nonzero] = [0, 0, 0];
    a.forEach((o, i) => {
      // Both NCHW: the converter keeps an ONNX model's input and output layouts.
      const [x, y] = [o.get('head')!, b[i]!.get('head')!];
      expect(y.length).toBe(x.length);
      for (let k = 0; k < x.length; k++) {
        if (x[k] !== y[k]) differ++;
        if (x[k] !== 0) nonzero++;
        total++;
      }
    });
    expect(nonzero).toBeGreaterThan(total / 2);
    expect(differ).toBe(0);
  }, 120_000);
});
