/**
 * pow2 (the default command): averages in the .onnx (ONNX Runtime) and the .tflite (LiteRT) compute the
 * same integers (issue 15, PP-OCRv4 rec). An average of n int8 values often lands exactly halfway between
 * two steps; ORT rounds such ties to even, LiteRT's AVERAGE_POOL_2D away from zero and its MEAN (XNNPACK)
 * by a float multiplier that is not exactly 1/n. A small model has one of each: an AveragePool of 3x2
 * (six values), a ReduceMean over a width of 12 and a GlobalAveragePool (72 values), the width dynamic
 * as exported recognizers have it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { int, ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder } from '../../scripts/examples/builder.js';
import { Random } from '../../scripts/examples/random.js';
import { runOnnxFile, runTfliteFile, writeSamples, type Feeds } from '../corpus/files.js';
import { cli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-pow2-averages-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const [C, H, W] = [8, 6, 12];

/** A 1x1 Conv, then each average of its output, each followed by its own 1x1 Conv head. */
function buildModel(): Model {
  const r = new Random(5);
  const b = new GraphBuilder('pow2_averages');
  const conv = (name: string, x: string) =>
    b.node('Conv', name, [
      x,
      b.init(`${name}_w`, Tensor.float32([C, C, 1, 1], r.normals(C * C, 0, 0.5))),
      b.init(`${name}_b`, Tensor.float32([C], r.normals(C, 0, 0.2))),
    ]);
  b.input('x', 'float32', [1, C, H, 'width']);
  const c = conv('conv', 'x');
  const pool = b.node('AveragePool', 'pool', [c], { kernel_shape: ints([3, 2]), strides: ints([3, 2]) });
  const mean = b.node('ReduceMean', 'mean', [c], { axes: ints([-1]), keepdims: int(1) });
  const global = b.node('GlobalAveragePool', 'global', [c]);
  conv('pool_head', pool);
  conv('mean_head', mean);
  conv('global_head', global);
  b.output('pool_head', 'float32', [1, C, H / 3, 'half_width']);
  b.output('mean_head', 'float32', [1, C, H, 1]);
  b.output('global_head', 'float32', [1, C, 1, 1]);
  return b.model('pow2 averages of the two files');
}

function feeds(count: number, seed: number): Feeds[] {
  const r = new Random(seed);
  return Array.from({ length: count }, () => ({
    x: Tensor.float32([1, C, H, W], r.normals(C * H * W, 0, 1)),
  }));
}

describe('pow2: averages in the .onnx (ORT) and the .tflite (LiteRT) of the default command', () => {
  it('AveragePool, ReduceMean and GlobalAveragePool give the same outputs, element for element', async () => {
    const input = path.join(dir, 'pow2_averages.onnx');
    writeOnnxFile(buildModel(), input);
    const out = path.join(dir, 'out');
    const r = cli(['--input', input, '--output', out, '--calib_data', writeSamples(feeds(8, 1))]);
    expect(r.code, r.stderr).toBe(0);
    const [onnxFile, tfliteFile] = ['onnx', 'tflite'].map((e) => path.join(out, `pow2_averages_quant.${e}`));
    // The .onnx sums and multiplies by 1/n where it averaged; the pool keeps its AveragePool.
    const ops = readOnnxFile(onnxFile!).graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('ReduceMean');
    expect(ops).not.toContain('GlobalAveragePool');
    expect(ops.filter((t) => t === 'ReduceSum')).toHaveLength(2);
    expect(ops).toContain('AveragePool');

    const held = feeds(6, 2);
    const a = await runOnnxFile(onnxFile!, held);
    const b = await runTfliteFile(tfliteFile!, held);
    for (const name of ['pool_head', 'mean_head', 'global_head']) {
      let [differ, nonzero, total] = [0, 0, 0];
      a.forEach((o, i) => {
        const [x, y] = [o.get(name)!, b[i]!.get(name)!];
        expect(y.length, name).toBe(x.length);
        for (let k = 0; k < x.length; k++) {
          if (x[k] !== y[k]) differ++;
          if (x[k] !== 0) nonzero++;
          total++;
        }
      });
      expect(nonzero, name).toBeGreaterThan(total / 2);
      expect(differ, name).toBe(0);
    }
  }, 120_000);
});
