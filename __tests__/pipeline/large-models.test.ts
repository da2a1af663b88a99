/**
 * Models past 2 GiB (issue 17), through small thresholds: the output limits are parameters, so the
 * logic that a 2.3 GB model takes is exercised here on a few kilobytes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Graph, type Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { OUTPUT_LIMITS, TFLITE_MAX_BYTES, writeOutputs } from '../../src/pipeline/outputs.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { createOrtSession } from '../../src/runtime/ort.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-large-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** y = relu(x·W + b), W 64x32 (8 KiB): weights of small integers, so float32 results are exact. */
function mlp(): Model {
  const g = new Graph();
  g.name = 'mlp';
  g.initializers.set(
    'W',
    Tensor.float32(
      [64, 32],
      Float32Array.from({ length: 2048 }, (_, i) => (i % 5) - 2),
    ),
  );
  g.initializers.set(
    'b',
    Tensor.float32(
      [32],
      Float32Array.from({ length: 32 }, (_, j) => j - 16),
    ),
  );
  g.inputs = [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, 64] } }];
  g.outputs = [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [1, 32] } }];
  g.nodes = [
    { name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['xw'], attrs: {} },
    { name: 'add', opType: 'Add', domain: '', inputs: ['xw', 'b'], outputs: ['z'], attrs: {} },
    { name: 'relu', opType: 'Relu', domain: '', inputs: ['z'], outputs: ['y'], attrs: {} },
  ];
  return {
    format: 'onnx',
    irVersion: 8,
    opsetImports: [{ domain: '', version: 13 }],
    metadata: [],
    graph: g,
  };
}

const x = Float32Array.from({ length: 64 }, (_, i) => (i % 3) - 1);
/** The MLP computed by hand. */
const expected = Array.from({ length: 32 }, (_, j) => {
  let s = j - 16;
  for (let i = 0; i < 64; i++) s += x[i]! * (((((i * 32 + j) % 5) + 5) % 5) - 2);
  return Math.max(0, s);
});

async function runOrt(file: string): Promise<number[]> {
  const s = await createOrtSession(file);
  try {
    return [...((await s.run({ x: Tensor.float32([1, 64], x) })).y!.data as Float32Array)];
  } finally {
    await s.close();
  }
}

/** The float copy of the MLP written as the pipeline writes it (scheme none: the graph unchanged). */
async function write(name: string, limits: typeof OUTPUT_LIMITS) {
  const out = fs.mkdtempSync(path.join(dir, `${name}-`));
  const o = parseOptions({ input: `${name}.onnx`, output: out, scheme: 'none' });
  const written: string[] = [];
  const produced = await writeOutputs('onnx', mlp(), o, new Map(), name, written, undefined, limits);
  return { out, produced, written, files: fs.readdirSync(out).sort() };
}

describe('outputs past the formats’ limits', () => {
  it('the limits are TFLite’s and protobuf’s 2 GiB by default', () => {
    expect(TFLITE_MAX_BYTES).toBeLessThan(2 ** 31);
    expect(TFLITE_MAX_BYTES).toBeGreaterThan(1.9 * 2 ** 30);
    expect(OUTPUT_LIMITS.onnxFileBytes).toBeLessThan(2 ** 31);
  });

  it('weights past both: no .tflite (a warning says why), the .onnx with its weights in a .data file ORT loads', async () => {
    const { out, produced, written, files } = await write('big', { tfliteBytes: 1000, onnxFileBytes: 1000 });
    expect(files).toEqual(['big_float.onnx', 'big_float.onnx.data']);
    expect(produced.warnings.some((w) => /no \.tflite written: .*TFLite flatbuffer/.test(w))).toBe(true);
    expect(
      produced.warnings.some((w) => /big_float\.onnx keeps its weights in big_float\.onnx\.data/.test(w)),
    ).toBe(true);
    const onnx = path.join(out, 'big_float.onnx');
    const data = path.join(out, 'big_float.onnx.data');
    // The report counts both files; a failed run removes both.
    expect(produced.files).toEqual([
      {
        format: 'onnx',
        path: onnx,
        bytes: fs.statSync(onnx).size + fs.statSync(data).size,
        ratio: 0,
        externalData: data,
      },
    ]);
    expect(fs.statSync(data).size).toBeGreaterThanOrEqual(2048 * 4);
    expect(written.sort()).toEqual([onnx, data]);
    expect(await runOrt(onnx)).toEqual(expected);
  });

  it('weights past the .tflite limit alone: one .onnx file, no .data', async () => {
    const { out, produced, files } = await write('mid', { ...OUTPUT_LIMITS, tfliteBytes: 1000 });
    expect(files).toEqual(['mid_float.onnx']);
    expect(produced.warnings).toHaveLength(1);
    expect(produced.files[0]!.externalData).toBeUndefined();
    expect(await runOrt(path.join(out, 'mid_float.onnx'))).toEqual(expected);
  });
});

describe('a model with external data through the whole run', () => {
  it('quantizes it; the input size counts its data file; ORT and LiteRT ran both files', async () => {
    const input = path.join(dir, 'ext.onnx');
    const data = writeOnnxFile(mlp(), input, { externalData: { location: 'ext.weights' } })!;
    expect(path.basename(data)).toBe('ext.weights');
    const out = path.join(dir, 'ext-out');
    const { report } = await quantizeModel(
      parseOptions({ input, output: out, calib_samples: '4', scheme: 'affine' }),
    );
    expect(report.input.bytes).toBe(fs.statSync(input).size + fs.statSync(data).size);
    expect(report.outputs.map((o) => [o.format, o.runtime])).toEqual([
      ['onnx', 'onnxruntime'],
      ['tflite', 'litert'],
    ]);
    // int8 weights: about a quarter of the float ones (the ratio is against both input files).
    for (const o of report.outputs) expect(o.ratio).toBeLessThan(0.5);
    for (const o of report.outputs) expect(o.metrics!.y!.sqnrDb).toBeGreaterThan(20);
  });
});
