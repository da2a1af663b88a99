import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { readTfliteFile } from '../../src/formats/tflite/import.js';
import { ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { denseEarlyNodes, denseLaterNodes } from '../../src/quant/dense-int16.js';
import { calibrateStats, type SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../../src/quant/quantize.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder } from '../helpers/graphs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-dense-int16-'));

/**
 * x[1,3,32,32] -> Conv s2 (16x16) -> Relu -> Conv s2 (8x8) -> Conv s2 (4x4) -> Resize x8 (32x32) ->
 * Conv 1x1 -> Sigmoid: a per-pixel map, an encoder down to 1/8 and a decoder back up (as PP-OCR det).
 * Names: conv_0, relu_1, conv_2, conv_3, resize_4, conv_5, sigmoid_6. `head: 'vector'` ends in
 * GlobalAveragePool -> Flatten instead (a classifier); `stride: 1` keeps every conv at full resolution;
 * `act: 'HardSwish'` puts a HardSwish where the Relu is (as PP-LCNet's stages).
 */
function model(opts: { head?: 'map' | 'vector'; stride?: number; act?: 'Relu' | 'HardSwish' } = {}) {
  const b = new GraphBuilder(5);
  const s = opts.stride ?? 2;
  const conv = { pads: ints([1, 1, 1, 1]), strides: ints([s, s]) };
  const x = b.input('x', [1, 3, 32, 32]);
  const c0 = b.node('Conv', [x, b.weight('w0', [8, 3, 3, 3], -0.5, 0.5), b.weight('b0', [8])], conv);
  const r = b.node(opts.act ?? 'Relu', [c0]);
  const c1 = b.node('Conv', [r, b.weight('w1', [8, 8, 3, 3], -0.3, 0.3), b.weight('b1', [8])], conv);
  const c2 = b.node('Conv', [c1, b.weight('w2', [8, 8, 3, 3], -0.3, 0.3), b.weight('b2', [8])], conv);
  const up = s ** 3;
  const scales = b.init('scales', Tensor.float32([4], [1, 1, up, up]));
  const u = b.node('Resize', [c2, '', scales], { mode: { kind: 'string', value: 'nearest' } });
  const c3 = b.node('Conv', [u, b.weight('w3', [1, 8, 1, 1], -0.3, 0.3), b.weight('b3', [1])]);
  if (opts.head === 'vector') b.output(b.node('Flatten', [b.node('GlobalAveragePool', [c3])]));
  else b.output(b.node('Sigmoid', [c3]));
  return b.model(13);
}

describe('--dense_int16: int16 activations for a per-pixel model early stages (affine)', () => {
  const shapes = new Map([['x', [1, 3, 32, 32]]]);

  it('names the nodes reached from the input at strides 2 and 4, not the coarser encoder or the decoder', () => {
    // By hand: conv_0 (16x16) and relu_1 at 1/2, conv_2 (8x8) at 1/4; conv_3 (4x4) is coarser; the
    // resized map and the head are at full size again but read the coarse conv_3.
    expect(denseEarlyNodes(model().graph, shapes)).toEqual(['conv_0', 'relu_1', 'conv_2']);
  });

  it('names nothing in a classifier (no per-pixel output) or a model at full resolution throughout', () => {
    expect(denseEarlyNodes(model({ head: 'vector' }).graph, shapes)).toEqual([]);
    expect(denseEarlyNodes(model({ stride: 1 }).graph, shapes)).toEqual([]);
  });

  it('writes those nodes int16 by default under affine; --dense_int16 false and pow2 keep them int8', async () => {
    const input = path.join(dir, 'dense.onnx');
    writeOnnxFile(model(), input);
    const flags = { input, scheme: 'affine', calib_samples: '4', formats: 'onnx,tflite' };
    const on = path.join(dir, 'on');
    const { report } = await quantizeModel(parseOptions({ ...flags, output: on }));
    expect(report.int16?.map((n) => n.node)).toEqual(['conv_0', 'relu_1', 'conv_2']);
    // .tflite: the two early convs read and write int16 (TFLite 16x8), the later ones int8.
    const t = readTfliteFile(path.join(on, 'dense_quant.tflite')).graph;
    const dtype = (v: string) => {
      const info = t.valueInfo.get(v) ?? [...t.inputs, ...t.outputs].find((i) => i.name === v);
      return info?.type?.kind === 'tensor' ? info.type.dtype : t.initializers.get(v)?.dtype;
    };
    const convs = t.nodes.filter((n) => n.opType === 'CONV_2D').map((n) => dtype(n.outputs[0]!));
    expect(convs).toEqual(['int16', 'int16', 'int8', 'int8']);
    const onnx = readOnnxFile(path.join(on, 'dense_quant.onnx'));
    expect(onnx.graph.nodes.some((n) => n.opType === 'QuantizeLinear' && n.domain === 'com.microsoft')).toBe(
      true,
    );

    const off = await quantizeModel(
      parseOptions({ ...flags, output: path.join(dir, 'off'), dense_int16: 'false' }),
    );
    expect(off.report.int16).toBeUndefined();
    const pow2 = await quantizeModel(
      parseOptions({ ...flags, scheme: 'pow2', output: path.join(dir, 'pow2') }),
    );
    expect(pow2.report.int16).toBeUndefined();
  });
});

describe('--dense_finer: pow2 B16 grids one finer in a per-pixel model early stages', () => {
  /** Each QuantizeLinear's input and its scale, in a written .onnx. */
  const qScales = (file: string) => {
    const g = readOnnxFile(file).graph;
    return new Map(
      g.nodes
        .filter((n) => n.opType === 'QuantizeLinear')
        .map((n) => [n.inputs[0]!, g.initializers.get(n.inputs[1]!)!.toNumbers()[0]!] as const),
    );
  };

  it('halves the scale of the early tensors pow2 takes by range and of every later one but the output', async () => {
    const m = model({ act: 'HardSwish' });
    const input = path.join(dir, 'dense_hs.onnx');
    writeOnnxFile(m, input);
    const flags = { input, scheme: 'pow2', bias_mode: 'B16', calib_samples: '4', formats: 'onnx' };
    const on = path.join(dir, 'finer_on');
    const off = path.join(dir, 'finer_off');
    await quantizeModel(parseOptions({ ...flags, output: on }));
    await quantizeModel(parseOptions({ ...flags, output: off, dense_finer: 'false' }));
    const a = qScales(path.join(on, 'dense_hs_quant.onnx'));
    const b = qScales(path.join(off, 'dense_hs_quant.onnx'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    // By hand: conv_0's output is read only by the HardSwish (HardSigmoid and Mul once split), no sum,
    // so pow2 B16's default (sum-inputs) takes its exponent by range: 2^ceil(log2(max * s_in / 127)),
    // which a halved range lowers by exactly one. The HardSwish output is a Conv input (by error), the
    // other early tensors and the input keep their scales. Past stride 4 (pow2FinerLate) each tensor
    // takes the grid one finer than its range: conv_3 (read by the Resize) and conv_5 (read by the
    // Sigmoid) by range in both runs, resize_4 nearest copies of conv_3's values (the same range); the
    // Sigmoid's output, a graph output, keeps its grid.
    const changed = [...a].filter(([t, v]) => v !== b.get(t));
    expect(changed).toEqual(['conv_0', 'conv_3', 'resize_4', 'conv_5'].map((t) => [t, b.get(t)! / 2]));
  });

  it('leaves a classifier alone, and affine', async () => {
    writeOnnxFile(model({ act: 'HardSwish', head: 'vector' }), path.join(dir, 'vector_hs.onnx'));
    writeOnnxFile(model({ act: 'HardSwish' }), path.join(dir, 'map_hs.onnx'));
    for (const [stem, scheme] of [
      ['vector_hs', 'pow2'],
      ['vector_hs', 'affine'],
      ['map_hs', 'affine'],
    ] as const) {
      const flags = { input: path.join(dir, `${stem}.onnx`), scheme, calib_samples: '4', formats: 'onnx' };
      const on = path.join(dir, `${stem}_${scheme}_on`);
      const off = path.join(dir, `${stem}_${scheme}_off`);
      await quantizeModel(parseOptions({ ...flags, output: on }));
      await quantizeModel(parseOptions({ ...flags, output: off, dense_finer: 'false' }));
      const bytes = (d: string) => fs.readFileSync(path.join(d, `${stem}_quant.onnx`));
      expect(bytes(on).equals(bytes(off))).toBe(true);
    }
  });
});

describe('--dense_finer past the early stages: every grid one finer than its range (pow2 B16)', () => {
  const shapes = new Map([['x', [1, 3, 32, 32]]]);
  /** Four fixed pseudo-random inputs in [-1, 1). */
  const inputs = Array.from({ length: 4 }, (_, k) => {
    let seed = 17 + k;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    return Tensor.float32([1, 3, 32, 32], Float32Array.from({ length: 3 * 32 * 32 }, next));
  });
  const source: SampleSource = {
    count: inputs.length,
    kind: 'data',
    async *samples() {
      for (const t of inputs) yield { x: t };
    },
  };
  const settings: QuantSettings = {
    scheme: 'pow2',
    biasMode: 'B16',
    inputScale: { kind: 'all', value: 16 },
    perChannel: true,
    calibMethod: 'minmax',
    percentile: 99.99,
    exclude: [],
  };

  it('names the nodes after the early stages', () => {
    const g = model().graph;
    expect(denseLaterNodes(g, denseEarlyNodes(g, shapes))).toEqual([
      'conv_3',
      'resize_4',
      'conv_5',
      'sigmoid_6',
    ]);
    expect(denseLaterNodes(g, [])).toEqual([]);
  });

  it('takes 2^ceil(log2(max|x| s_in / 127)) / s_in / 2 for each later tensor; graph outputs keep theirs', async () => {
    const m = model();
    // The float maxima from ONNX Runtime, with the two convs' outputs exposed.
    const probe = m.graph.clone();
    for (const t of ['conv_3', 'conv_5'])
      probe.outputs.push({ name: t, type: { kind: 'tensor', dtype: 'float32' } });
    const session = await createOrtSession(exportOnnx({ ...m, graph: probe }).bytes);
    const max = new Map<string, number>();
    for (const x of inputs) {
      const out = await session.run({ x });
      for (const t of ['conv_3', 'conv_5'])
        for (const v of out[t]!.toFloat32()) max.set(t, Math.max(max.get(t) ?? 0, Math.abs(v)));
    }
    await session.close();
    const later = denseLaterNodes(m.graph, denseEarlyNodes(m.graph, shapes));
    const on = await quantizeFloatModel(m, { ...settings, pow2FinerLate: later }, source);
    const off = await quantizeFloatModel(m, settings, source);
    for (const t of ['conv_3', 'conv_5']) {
      const byRange = 2 ** Math.ceil(Math.log2((max.get(t)! * 16) / 127)) / 16;
      expect(on.activations.get(t)!.scale[0]).toBeCloseTo(byRange / 2, 12);
    }
    // conv_5 feeds the Sigmoid (no sum: its exponent is by range without the rule too).
    expect(on.activations.get('conv_5')!.scale[0]).toBe(off.activations.get('conv_5')!.scale[0]! / 2);
    expect(on.activations.get('sigmoid_6')!.scale[0]).toBe(off.activations.get('sigmoid_6')!.scale[0]);
  });

  it('takes 2^round(log2(max|x| s_in / 127)) / s_in / 2 for an early tensor by range: the nearest power of two, one finer', async () => {
    // conv_0 (read only by the HardSwish) takes its exponent by range. Its float maximum from ONNX Runtime,
    // then w0 and b0 scaled by c so that L = log2(max * c * 16 / 127) has fraction 0.25 or 0.75: with
    // 0.25 the grid one finer than the power of two above (2^ceil(L) / 2) is twice the one finer than the
    // nearest (2^round(L) / 2); with 0.75 they are the same grid.
    // (Probed on the Relu variant: the same seeded weights, and ONNX Runtime has no HardSwish at opset 13.)
    const base = model();
    const probe = base.graph.clone();
    probe.outputs.push({ name: 'conv_0', type: { kind: 'tensor', dtype: 'float32' } });
    const session = await createOrtSession(exportOnnx({ ...base, graph: probe }).bytes);
    let max = 0;
    for (const x of inputs)
      for (const v of (await session.run({ x })).conv_0!.toFloat32()) max = Math.max(max, Math.abs(v));
    await session.close();
    const early = denseEarlyNodes(model({ act: 'HardSwish' }).graph, shapes);
    expect(early).toContain('conv_0');
    const L0 = Math.log2((max * 16) / 127);
    for (const frac of [0.25, 0.75]) {
      const c = 2 ** (Math.floor(L0) + frac - L0);
      const m = model({ act: 'HardSwish' });
      for (const w of ['w0', 'b0']) {
        const t = m.graph.initializers.get(w)!;
        m.graph.initializers.set(
          w,
          Tensor.float32(
            t.dims,
            t.toFloat32().map((v) => v * c),
          ),
        );
      }
      const L = Math.log2((max * c * 16) / 127);
      const q = await quantizeFloatModel(m, { ...settings, pow2Finer: early }, source);
      expect(q.activations.get('conv_0')!.scale[0]).toBe(2 ** Math.round(L) / 16 / 2);
      if (frac === 0.25) expect(q.activations.get('conv_0')!.scale[0]).toBe(2 ** Math.ceil(L) / 16 / 4);
    }
  });

  it('fetches no histogram of a later tensor (its exponent is by range), with the same scales', async () => {
    const m = model();
    const later = denseLaterNodes(m.graph, denseEarlyNodes(m.graph, shapes));
    const asked: (boolean | readonly string[] | undefined)[] = [];
    const calibrate: typeof calibrateStats = (model, tensors, src, opts) => {
      asked.push(opts.histograms);
      return calibrateStats(model, tensors, src, opts);
    };
    const on = await quantizeFloatModel(m, { ...settings, pow2FinerLate: later }, source, { calibrate });
    await quantizeFloatModel(m, settings, source, { calibrate });
    // resize_4's output is conv_5's input: by histogram error (sum-inputs) without the rule, by range with it.
    expect(asked[1]).toContain('resize_4');
    expect(asked[0]).not.toContain('resize_4');
    expect([...(asked[0] as string[])].sort()).toEqual(
      (asked[1] as string[]).filter((t) => !['conv_3', 'resize_4', 'conv_5'].includes(t)).sort(),
    );
    const plain = await quantizeFloatModel(m, { ...settings, pow2FinerLate: later }, source);
    expect([...on.activations]).toEqual([...plain.activations]);
    expect(on.ranges).toEqual(plain.ranges);
  });
});
