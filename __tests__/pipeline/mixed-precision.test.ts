import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import type { Report } from '../../src/report/types.js';
import { loadTflite } from '../../src/runtime/litert.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { cli } from '../helpers/cli.js';
import { GraphBuilder, rng } from '../helpers/graphs.js';
import { filesSqnrInOrt } from '../helpers/ort-compare.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mq-mixed-'));

/**
 * x[1,32] -> Gemm -> Relu -> Mul by a constant (the sensitive op) -> Gemm -> y[1,10]. The constant is
 * 0.5..1.5 except 500 on a channel the Relu always zeroes (no weights, bias -0.2): that value never
 * contributes, but it sets the constant's int8 scale (500/127), on which every other factor rounds to
 * 0 or 3.9. Kept in float, the Mul is exact and the model keeps 8-bit accuracy. (A Gemm would not do:
 * ONNX Runtime quantizes a float Gemm between QDQ pairs itself, with the same per-tensor weight scale.)
 */
function sensitiveModel(file: string): void {
  const b = new GraphBuilder(7);
  const x = b.input('x', [1, 32]);
  const w1 = b.weight('w1', [32, 32], -0.3, 0.3);
  const bias1 = randomBias(b, 'b1', 32);
  const w1data = b.g.initializers.get(w1)!.data as Float32Array;
  for (let k = 0; k < 32; k++) w1data[k * 32 + 5] = 0;
  (b.g.initializers.get(bias1)!.data as Float32Array)[5] = -0.2;
  const h1 = b.node('Relu', [b.node('Gemm', [x, w1, bias1])]);
  const c = b.weight('c', [32], 0.5, 1.5);
  (b.g.initializers.get(c)!.data as Float32Array)[5] = 500;
  const h2 = b.node('Mul', [h1, c]);
  const y = b.node('Gemm', [h2, b.weight('w3', [32, 10], -0.3, 0.3), randomBias(b, 'b3', 10)]);
  b.output(y);
  writeOnnxFile(b.model(), file);
}

function randomBias(b: GraphBuilder, name: string, n: number): string {
  return b.weight(name, [n], 0.1, 0.5);
}

/** Output SQNR (dB) of a written .onnx against the float one, both in ONNX Runtime, on 20 fresh inputs. */
function sqnrInOrt(floatFile: string, quantFile: string): Promise<number> {
  const random = rng(99);
  const feeds = Array.from({ length: 20 }, () => ({
    x: Tensor.float32(
      [1, 32],
      Array.from({ length: 32 }, () => 2 * random() - 1),
    ),
  }));
  return filesSqnrInOrt(floatFile, quantFile, feeds);
}

describe('mixed precision (--min_sqnr, --max_drop)', () => {
  const dir = tmp();
  const model = path.join(dir, 'sensitive.onnx');
  sensitiveModel(model);
  const flags = { input: model, per_channel: 'false', scheme: 'affine', calib_samples: '32' };

  it('keeps exactly the op that breaks the model out of int8 (in int16), and the written .onnx meets the target in ORT', async () => {
    const plainDir = path.join(dir, 'plain');
    await quantizeModel(parseOptions({ ...flags, output: plainDir }));
    const plain = await sqnrInOrt(model, path.join(plainDir, 'sensitive_quant.onnx'));
    expect(plain).toBeLessThan(15);

    const out = path.join(dir, 'mixed');
    const { report, markdown } = await quantizeModel(parseOptions({ ...flags, output: out, min_sqnr: '20' }));
    const m = report.mixedPrecision!;
    expect(m.met).toBe(true);
    expect(m.kept.map((k) => k.node)).toEqual(['mul_2']);
    expect(m.after.sqnrDb).toBeGreaterThanOrEqual(20);
    expect(await sqnrInOrt(model, path.join(out, 'sensitive_quant.onnx'))).toBeGreaterThanOrEqual(20);
    // The .tflite loads and runs in LiteRT, and its own figure (the pipeline ran it) meets the target too.
    const runner = await loadTflite(fs.readFileSync(path.join(out, 'sensitive_quant.tflite')), 'tflite');
    runner.close();
    const tflite = report.outputs.find((o) => o.format === 'tflite')!;
    expect(Object.values(tflite.metrics!)[0]!.sqnrDb).toBeGreaterThanOrEqual(20);
    // The Mul has 16x8 kernels, and int16 activations (its constant int16 too) meet the target: it runs
    // int16, not float (precision-int16.ts).
    expect(m.precision).toBe('int16');
    expect(m.int16).toEqual(['mul_2']);
    expect(report.int16).toEqual([{ node: 'mul_2', op: 'Mul' }]);
    expect(report.float).toEqual([]);
    // What it cost, per written file, against the same file written without the search's choice (the
    // Mul's constant is int16 now, and requantizing pairs surround it: the size moves either way).
    expect(m.cost!.map((c) => c.format).sort()).toEqual(['onnx', 'tflite']);
    for (const c of m.cost!) {
      expect(c.bytes).toBe(fs.statSync(path.join(out, `sensitive_quant.${c.format}`)).size);
      expect(c.bytes).not.toBe(c.bytesWithout);
      expect(c.bytesWithout).toBeGreaterThan(0);
      expect(c.latencyMs).toBeGreaterThan(0);
      expect(c.latencyMsWithout).toBeGreaterThan(0);
    }
    expect(markdown).toMatch(/\*\*Mixed precision\*\* \(`--min_sqnr 20`.*\): met/);
    expect(markdown).toContain('Kept in int16: 1 of');
    expect(markdown).toContain('In int16 activations with int8 weights (16x8): 1 op(s): `mul_2`');
    expect(markdown).toContain('`mul_2` (Mul)');
    const json = JSON.parse(fs.readFileSync(path.join(out, 'sensitive_report.json'), 'utf8'));
    expect(json.mixedPrecision.kept[0].node).toBe('mul_2');
  });

  it('--max_drop through the CLI: the drop bound meets it, and the files load and run in ORT and LiteRT', async () => {
    const out = path.join(dir, 'max-drop');
    const args = Object.entries({ ...flags, output: out, max_drop: '20' }).flatMap(([k, v]) => [`--${k}`, v]);
    const r = cli(args);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'sensitive_report.json'), 'utf8')) as Report;
    const m = report.mixedPrecision!;
    expect(m.met).toBe(true);
    // The plain model's drop is beyond 20 points; kept, the Mul brings even the drop's upper bound
    // within them (16 samples with no miss: 2.71 / 18.71 = 14.5 points, precision-bound.ts; with 10 points
    // the run says the samples are too few).
    expect(m.before.dropBound!).toBeGreaterThan(20);
    expect(m.after.dropBound!).toBeLessThanOrEqual(20);
    expect(m.kept.map((k) => k.node)).toContain('mul_2');
    expect(m.searchCpuMs).toBeGreaterThan(0);
    const x = Tensor.float32(
      [1, 32],
      Array.from({ length: 32 }, (_, i) => Math.sin(i)),
    );
    const session = await createOrtSession(path.join(out, 'sensitive_quant.onnx'));
    expect(Object.values(await session.run({ x }))[0]!.dims).toEqual([1, 10]);
    await session.close();
    const runner = await loadTflite(fs.readFileSync(path.join(out, 'sensitive_quant.tflite')), 'tflite');
    const y = await runner.run([x.data as Float32Array]);
    expect(Object.values(y)[0]!.shape).toEqual([1, 10]);
    runner.close();
    expect(fs.readFileSync(path.join(out, 'sensitive_report.md'), 'utf8')).toMatch(/Search: .* \(CPU /);
  });

  it("changes nothing when the quantized model already meets the target (with the user's --exclude)", async () => {
    const { report } = await quantizeModel(
      parseOptions({ ...flags, exclude: 'mul_2', output: path.join(dir, 'met'), min_sqnr: '20' }),
    );
    expect(report.mixedPrecision).toMatchObject({ met: true, kept: [] });
    expect(report.mixedPrecision!.before.sqnrDb).toBeGreaterThanOrEqual(20);
    expect(report.mixedPrecision!.cost).toBeUndefined();
    expect(report.float).toEqual([{ node: 'mul_2', op: 'Mul', why: 'excluded by --exclude' }]);
  });

  it('says so, and writes the plain files, when even every op in float cannot reach the target', async () => {
    // 16 evaluation samples cannot bound a drop within 1 point: with no miss at all the one-sided 95%
    // Wilson bound is z^2 / (n + z^2) = 2.706 / 18.706 = 14.5 points (z = 1.645).
    const { report, markdown } = await quantizeModel(
      parseOptions({ ...flags, output: path.join(dir, 'never'), max_drop: '1' }),
    );
    expect(report.mixedPrecision).toMatchObject({ met: false, kept: [] });
    expect(report.warnings.join('\n')).toMatch(
      /--max_drop: the target .* is not met even with all 3 quantized ops in float/,
    );
    expect(markdown).toContain('**not met**');
    expect(report.float).toEqual([]);
  });

  it('--max_drop without labels on a model with no class-score output is a usage error', async () => {
    const b = new GraphBuilder(3);
    const x = b.input('x', [1, 3, 8, 8]);
    b.output(
      b.node('Conv', [x, b.weight('w', [4, 3, 3, 3])], { pads: { kind: 'ints', value: [1, 1, 1, 1] } }),
    );
    const file = path.join(dir, 'conv.onnx');
    writeOnnxFile(b.model(), file);
    await expect(
      quantizeModel(
        parseOptions({ input: file, output: path.join(dir, 'conv'), max_drop: '1', calib_samples: '4' }),
      ),
    ).rejects.toThrow(/--max_drop: needs labels \(--labels\) or a class-score output/);
  });
});
