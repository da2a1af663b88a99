import { beforeAll, describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import type { QParams } from '../../../src/ir/qparams.js';
import type { Model } from '../../../src/ir/graph.js';
import { loadTflite } from '../../../src/runtime/litert.js';
import { quantizeTfliteModel, type TfliteQuantResult } from '../../../src/quant/tflite/index.js';
import { fakeQuantTwin, floats, generatedSource, settings, smoothImage, sqnr } from './helpers.js';
import { int8SpecViolations, opList } from './spec-check.js';
import { tinyModel, tinyModel2, tinyModel3, tinyModel4 } from './tiny.js';

const image = (seed: number) => smoothImage(8, 8, 3, seed);
const source = (count = 12) => generatedSource('x', [1, 8, 8, 3], count, image);
const quantOf = (m: Model, name: string): QParams => m.graph.quantOf(name)!;
const isPow2 = (v: number) => Number.isInteger(Math.log2(v));

async function outputs(bytes: Uint8Array, seeds: number[]): Promise<Float32Array[]> {
  const runner = await loadTflite(bytes);
  try {
    const out: Float32Array[] = [];
    for (const s of seeds) out.push(floats((await runner.run([image(s)])).y));
    return out;
  } finally {
    runner.close();
  }
}

const HELD_OUT = [101, 102, 103, 104];
const INPUT_OPS = tinyModel().graph.nodes.map((n) => n.opType);

describe('quantizeTfliteModel on a small float model (affine)', () => {
  let result: TfliteQuantResult;
  let bytes: Uint8Array;
  beforeAll(async () => {
    result = await quantizeTfliteModel(tinyModel(), settings(), source());
    bytes = exportTflite(result.model);
  });

  it('keeps the ops in order, with QUANTIZE/DEQUANTIZE only at the edges and one requantize', () => {
    const ops = opList(bytes);
    expect(ops.filter((o) => o !== 'QUANTIZE' && o !== 'DEQUANTIZE')).toEqual(INPUT_OPS);
    expect(ops[0]).toBe('QUANTIZE');
    expect(ops.at(-1)).toBe('DEQUANTIZE');
    // LOGISTIC's fixed [0, 1) cannot hold the concatenated depthwise output: it is requantized, not clipped.
    expect(ops.filter((o) => o === 'QUANTIZE')).toHaveLength(2);
    expect(ops[ops.indexOf('CONCATENATION') - 1]).toBe('QUANTIZE');
    expect(result.float).toEqual([]);
  });

  it('writes a file that follows the int8 spec', () => {
    expect(int8SpecViolations(bytes)).toEqual([]);
    const g = importTflite(bytes).graph;
    expect(quantOf(result.model, 's')).toMatchObject({
      scale: Float64Array.of(1 / 256),
      zeroPoint: Int32Array.of(-128),
    });
    expect(quantOf(result.model, 'w2').scale).toHaveLength(8);
    expect(quantOf(result.model, 'w2').axis).toBe(3);
    expect(g.inputs.map((v) => v.type)).toEqual([{ kind: 'tensor', dtype: 'float32', shape: [1, 8, 8, 3] }]);
    expect(g.outputs.map((v) => [v.name, v.type?.kind === 'tensor' && v.type.dtype])).toEqual([
      ['y', 'float32'],
    ]);
  });

  it('gives the fused RELU6 output a range inside [0, 6] with zero at -128', () => {
    const q = quantOf(result.model, 'c1');
    expect(q.zeroPoint).toEqual(Int32Array.of(-128));
    expect(q.scale[0]! * 255).toBeLessThanOrEqual(6 + 1e-6);
    expect(result.ranges.get('c1')!.min).toBe(0);
  });

  it('runs in LiteRT close to the float model, and as its fake-quantized float twin', async () => {
    const float = await outputs(exportTflite(tinyModel()), HELD_OUT);
    const int8 = await outputs(bytes, HELD_OUT);
    const twin = await outputs(exportTflite(fakeQuantTwin(importTflite(bytes))), HELD_OUT);
    const vsFloat = HELD_OUT.map((_, i) => sqnr(float[i]!, int8[i]!));
    const vsTwin = HELD_OUT.map((_, i) => sqnr(twin[i]!, int8[i]!));
    console.log(
      `tiny affine: SQNR vs float ${vsFloat.map((v) => v.toFixed(1))} dB, vs twin ${vsTwin.map((v) => v.toFixed(1))} dB`,
    );
    expect(Math.min(...vsFloat)).toBeGreaterThan(20);
    expect(Math.min(...vsTwin)).toBeGreaterThan(30);
  });
});

describe('quantizeTfliteModel, pow2', () => {
  it('B16: activations 2^n / input_scale with zero point 0 (spec-fixed ones aside), pow2 weights, 16-bit biases', async () => {
    const r = await quantizeTfliteModel(tinyModel(), settings({ scheme: 'pow2', biasMode: 'B16' }), source());
    const bytes = exportTflite(r.model);
    expect(int8SpecViolations(bytes)).toEqual([]);
    expect(r.inputScales).toEqual({ x: expect.any(Number) });
    const inputScale = r.inputScales.x!;
    expect(Number.isInteger(inputScale)).toBe(true);
    for (const name of ['x', 'c1', 'd1', 'h', 'cat', 'p', 'r', 'f', 'a']) {
      const p = r.activations.get(name)!;
      expect([name, p.zeroPoint[0]]).toEqual([name, 0]);
      expect([name, isPow2(p.scale[0]! * inputScale)]).toEqual([name, true]);
    }
    expect(r.activations.get('x')!.scale[0]).toBeCloseTo(1 / inputScale, 12);
    expect(r.activations.get('s')).toMatchObject({ zeroPoint: Int32Array.of(-128) });
    for (const w of ['w1', 'w2', 'w3']) expect(r.weights.get(w)!.scale.every(isPow2)).toBe(true);
    for (const b of ['b1', 'b2', 'b3']) {
      const q = r.model.graph.initializers.get(b)!.data as Int32Array;
      expect(q.every((v) => Math.abs(v) <= 32767)).toBe(true);
    }
    const float = await outputs(exportTflite(tinyModel()), HELD_OUT);
    const int8 = await outputs(bytes, HELD_OUT);
    const db = HELD_OUT.map((_, i) => sqnr(float[i]!, int8[i]!));
    console.log(`tiny pow2 B16: SQNR vs float ${db.map((v) => v.toFixed(1))} dB`);
    expect(Math.min(...db)).toBeGreaterThan(15);
  });

  it('B8: the int32 bias holds b8 * 2^k, 2^k = s_out / (s_in s_w)', async () => {
    const r = await quantizeTfliteModel(tinyModel(), settings({ scheme: 'pow2', biasMode: 'B8' }), source(6));
    expect(int8SpecViolations(exportTflite(r.model))).toEqual([]);
    const g = r.model.graph;
    for (const [x, w, b, y] of [
      ['x', 'w1', 'b1', 'c1'],
      ['c1', 'w2', 'b2', 'd1'],
      ['r', 'w3', 'b3', 'f'],
    ] as const) {
      const q = g.initializers.get(b)!.data as Int32Array;
      const sw = r.weights.get(w)!.scale;
      const sIn = r.activations.get(x)!.scale[0]!;
      const sOut = r.activations.get(y)!.scale[0]!;
      q.forEach((v, c) => {
        const ratio = sOut / (sIn * sw[c]!);
        expect(ratio).toBeGreaterThanOrEqual(1);
        const b8 = v / ratio;
        expect(Math.abs(b8 - Math.round(b8))).toBeLessThan(1e-6);
        expect(Math.abs(b8)).toBeLessThanOrEqual(128);
      });
    }
  });
});

describe('quantizeTfliteModel options', () => {
  it('--exclude keeps an op float between DEQUANTIZE and QUANTIZE, and reports why', async () => {
    const r = await quantizeTfliteModel(tinyModel(), settings({ exclude: ['HARD_SWISH'] }), source(4));
    expect(r.float).toEqual([{ node: 'h', op: 'HARD_SWISH', why: 'excluded by --exclude' }]);
    const bytes = exportTflite(r.model);
    const ops = opList(bytes);
    const at = ops.indexOf('HARD_SWISH');
    expect(ops.slice(at - 1, at + 2)).toEqual(['DEQUANTIZE', 'HARD_SWISH', 'QUANTIZE']);
    const hswish = r.model.graph.nodes.find((n) => n.opType === 'HARD_SWISH')!;
    expect([...hswish.inputs, ...hswish.outputs].map((v) => r.model.graph.typeOf(v))).toMatchObject([
      { dtype: 'float32' },
      { dtype: 'float32' },
    ]);
    expect(int8SpecViolations(bytes)).toEqual([]);
    const [float, int8] = [await outputs(exportTflite(tinyModel()), [7]), await outputs(bytes, [7])];
    expect(sqnr(float[0]!, int8[0]!)).toBeGreaterThan(20);
  });

  it('per-tensor weights: one scale per weight tensor', async () => {
    const r = await quantizeTfliteModel(tinyModel(), settings({ perChannel: false }), source(4));
    for (const w of ['w1', 'w2', 'w3']) expect(quantOf(r.model, w).scale).toHaveLength(1);
    expect(int8SpecViolations(exportTflite(r.model))).toEqual([]);
  });

  it('affine with --input_scale fixes the input at 1/input_scale, zero point 0', async () => {
    const r = await quantizeTfliteModel(
      tinyModel(),
      settings({ inputScale: { kind: 'all', value: 100 } }),
      source(4),
    );
    expect(r.inputScales).toEqual({ x: 100 });
    expect(quantOf(r.model, 'x_int8')).toMatchObject({
      scale: Float64Array.of(Math.fround(0.01)),
      zeroPoint: Int32Array.of(0),
    });
  });

  it('rejects an --input_scale naming no input, and a model that is not TFLite-domain', async () => {
    const named = { kind: 'named' as const, values: new Map([['nope', 4]]) };
    await expect(
      quantizeTfliteModel(tinyModel(), settings({ inputScale: named }), source(1)),
    ).rejects.toThrow(/--input_scale: names 'nope'.*inputs are: x/);
    const onnx = tinyModel();
    onnx.graph.nodes[0]!.domain = '';
    await expect(quantizeTfliteModel(onnx, settings(), source(1))).rejects.toThrow(/TFLite-domain/);
  });
});

describe.each(['affine', 'pow2'] as const)('quantizeTfliteModel on a second small model (%s)', (scheme) => {
  it('quantizes pads, splits, resizes, transposes and reductions within the spec, and runs', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const make = (s: number) => smoothImage(8, 8, 4, s, -1, 2);
    const r = await quantizeTfliteModel(
      tinyModel2(),
      settings({ scheme }),
      generatedSource('x', [1, 8, 8, 4], 8, make),
    );
    const bytes = exportTflite(r.model);
    expect(int8SpecViolations(bytes)).toEqual([]);
    const ops = opList(bytes);
    expect(ops.filter((o) => o !== 'QUANTIZE' && o !== 'DEQUANTIZE')).toEqual(
      tinyModel2().graph.nodes.map((n) => n.opType),
    );
    // In: one QUANTIZE; TANH's fixed output requantized for MAXIMUM; out: a DEQUANTIZE per output.
    expect(ops.filter((o) => o === 'QUANTIZE')).toHaveLength(2);
    expect(ops.filter((o) => o === 'DEQUANTIZE')).toHaveLength(2);
    expect(ops[ops.indexOf('MAXIMUM') - 1]).toBe('QUANTIZE');
    const g = importTflite(bytes).graph;
    expect(g.outputs.map((v) => [v.name, v.type?.kind === 'tensor' && v.type.dtype])).toEqual([
      ['y', 'float32'],
      ['c', 'float32'],
    ]);
    const [ref, int8] = [await loadTflite(exportTflite(tinyModel2())), await loadTflite(bytes)];
    const db: Record<string, number[]> = { y: [], c: [] };
    for (const s of seeds.map((v) => v + 100)) {
      const [a, b] = [await ref.run([make(s)]), await int8.run([make(s)])];
      for (const k of ['y', 'c']) db[k]!.push(sqnr(floats(a[k]), floats(b[k])));
    }
    ref.close();
    int8.close();
    console.log(
      `tiny2 ${scheme}: SQNR y ${db.y!.map((v) => v.toFixed(1))}, c ${db.c!.map((v) => v.toFixed(1))} dB`,
    );
    expect(Math.min(...db.c!)).toBeGreaterThan(30);
    expect(Math.min(...db.y!)).toBeGreaterThan(15);
  });
});

describe.each(['affine', 'pow2'] as const)(
  'quantizeTfliteModel, TRANSPOSE_CONV and BATCH_MATMUL (%s)',
  (scheme) => {
    it('quantizes them within the spec and LiteRT runs them close to float', async () => {
      const make = (s: number) => smoothImage(8, 8, 8, s);
      const r = await quantizeTfliteModel(
        tinyModel3(),
        settings({ scheme }),
        generatedSource('x', [1, 8, 8, 8], 8, make),
      );
      const bytes = exportTflite(r.model);
      expect(int8SpecViolations(bytes)).toEqual([]);
      expect(r.float).toEqual([]);
      expect(quantOf(r.model, 'w').scale).toHaveLength(4);
      const [ref, int8] = [await loadTflite(exportTflite(tinyModel3())), await loadTflite(bytes)];
      const x = make(77);
      const db = sqnr(floats((await ref.run([x])).z), floats((await int8.run([x])).z));
      ref.close();
      int8.close();
      console.log(`tiny3 ${scheme}: SQNR z ${db.toFixed(1)} dB`);
      expect(db).toBeGreaterThan(25);
    });
  },
);

describe.each(['affine', 'pow2'] as const)(
  'quantizeTfliteModel, the rest of the rule table (%s)',
  (scheme) => {
    it('runs RELU6, PRELU, EXP, MINIMUM, slices, squeezes, GATHER and SUM int8 within the spec', async () => {
      const make = (s: number) => smoothImage(4, 4, 6, s, -2, 3);
      const r = await quantizeTfliteModel(
        tinyModel4(),
        settings({ scheme }),
        generatedSource('x', [1, 4, 4, 6], 8, make),
      );
      const bytes = exportTflite(r.model);
      expect(int8SpecViolations(bytes)).toEqual([]);
      expect(opList(bytes)).toEqual([
        'QUANTIZE',
        ...tinyModel4().graph.nodes.map((n) => n.opType),
        'DEQUANTIZE',
      ]);
      const [ref, int8] = [await loadTflite(exportTflite(tinyModel4())), await loadTflite(bytes)];
      const x = make(70);
      const db = sqnr(floats((await ref.run([x])).y), floats((await int8.run([x])).y));
      ref.close();
      int8.close();
      console.log(`tiny4 ${scheme}: SQNR y ${db.toFixed(1)} dB`);
      expect(db).toBeGreaterThan(20);
    });
  },
);
