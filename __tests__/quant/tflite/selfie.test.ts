import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite, readTfliteFile } from '../../../src/formats/tflite/import.js';
import type { Model } from '../../../src/ir/graph.js';
import { loadTflite, type TfliteOutput } from '../../../src/runtime/litert.js';
import { probeModel } from '../../../src/quant/tflite/calibrate.js';
import { quantizeTfliteModel, type TfliteQuantResult } from '../../../src/quant/tflite/index.js';
import type { QuantSettings } from '../../../src/quant/quantize.js';
import { SELFIE_PATH } from '../../formats/tflite/helpers.js';
import { agreement, floats, generatedSource, selfieImage, settings, sqnr } from './helpers.js';
import { int8SpecViolations, opList } from './spec-check.js';

const CALIBRATION = 8;
const HELD_OUT = [101, 102, 103, 104];
const PROBES = ['conv2d', 'segment'];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

async function run(model: Model): Promise<Record<string, TfliteOutput>[]> {
  const runner = await loadTflite(exportTflite(probeModel(model, PROBES)));
  try {
    const out: Record<string, TfliteOutput>[] = [];
    for (const seed of HELD_OUT) out.push(await runner.run([selfieImage(seed)]));
    return out;
  } finally {
    runner.close();
  }
}

/**
 * Scheme, settings, and how many output steps the first CONV_2D may stray from float on 98% of its
 * outputs: pow2's input step (1/128) and power-of-two weight scales (up to 2x the affine step) cost more.
 */
const CASES: [string, Partial<QuantSettings>, number][] = [
  ['affine', { scheme: 'affine', calibMethod: 'minmax' }, 1],
  ['pow2 B16', { scheme: 'pow2', biasMode: 'B16', calibMethod: 'percentile', percentile: 99.99 }, 3],
];

describe.each(CASES)('selfie_segmentation.tflite quantized (%s)', (label, over, steps) => {
  const original = fs.readFileSync(SELFIE_PATH);
  const float = readTfliteFile(SELFIE_PATH);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quant-tflite-'));
  const file = path.join(dir, 'selfie_segmentation_quant.tflite');
  let result: TfliteQuantResult;
  let bytes: Uint8Array;
  beforeAll(async () => {
    const source = generatedSource('input_1', [1, 256, 256, 3], CALIBRATION, selfieImage);
    result = await quantizeTfliteModel(float, settings(over), source);
    fs.writeFileSync(file, exportTflite(result.model));
    bytes = new Uint8Array(fs.readFileSync(file));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps the ops in order (weight DEQUANTIZEs gone), QUANTIZE/DEQUANTIZE only where float meets int8', () => {
    const ops = opList(bytes);
    const core = (list: string[]) => list.filter((o) => o !== 'QUANTIZE' && o !== 'DEQUANTIZE');
    expect(core(ops)).toEqual(core(opList(original)));
    const custom = ops.indexOf('Convolution2DTransposeBias');
    expect(ops.slice(custom - 1, custom + 2)).toEqual([
      'DEQUANTIZE',
      'Convolution2DTransposeBias',
      'QUANTIZE',
    ]);
    expect([ops[0], ops.at(-1)]).toEqual(['QUANTIZE', 'DEQUANTIZE']);
    expect(ops.filter((o) => o === 'QUANTIZE' || o === 'DEQUANTIZE')).toHaveLength(4);
  });

  it('leaves the custom op float, and says why', () => {
    expect(result.float).toEqual([
      {
        node: 'segment',
        op: 'CUSTOM(Convolution2DTransposeBias)',
        why: 'custom op Convolution2DTransposeBias: no int8 kernel in TFLite',
      },
    ]);
    const g = importTflite(bytes).graph;
    const custom = g.nodes.find((n) => n.opType === 'CUSTOM')!;
    for (const v of [...custom.inputs, ...custom.outputs])
      expect([v, g.typeOf(v)]).toMatchObject([v, { dtype: 'float32' }]);
    const inner = g.nodes.filter(
      (n) => n.opType !== 'CUSTOM' && n.opType !== 'QUANTIZE' && n.opType !== 'DEQUANTIZE',
    );
    for (const n of inner)
      expect([n.name, g.typeOf(n.outputs[0]!)]).toMatchObject([n.name, { dtype: 'int8' }]);
  });

  it('follows the TFLite int8 spec in the written file', () => {
    expect(int8SpecViolations(bytes)).toEqual([]);
  });

  it('runs in LiteRT: float mask in [0, 1], first layer close to float; SQNR reported', async () => {
    const int8 = importTflite(bytes);
    const [ref, out] = [await run(float), await run(int8)];
    const q = int8.graph.valueInfo.get('conv2d')!.quant!;
    const mask = HELD_OUT.map((_, i) => sqnr(floats(ref[i]!.activation_10), floats(out[i]!.activation_10)));
    const logits = HELD_OUT.map((_, i) => sqnr(floats(ref[i]!.segment), floats(out[i]!.segment)));
    for (let i = 0; i < HELD_OUT.length; i++) {
      const m = out[i]!.activation_10!;
      expect(m.shape).toEqual([1, 256, 256, 1]);
      expect(floats(m).every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(agreement(floats(ref[i]!.conv2d), out[i]!.conv2d!.data as Int8Array, q, steps)).toBeGreaterThan(
        0.98,
      );
    }
    const text = (v: number[]) => `${v.map((x) => x.toFixed(1)).join(', ')} (mean ${mean(v).toFixed(1)})`;
    console.log(
      `selfie ${label}: ${bytes.length} bytes (float ${original.length}); SQNR mask ${text(mask)} dB, logits ${text(logits)} dB`,
    );
    expect(mean(mask)).toBeGreaterThan(0);
  });
});
