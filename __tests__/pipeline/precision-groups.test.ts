import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx, writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { switchedModel } from '../../src/pipeline/precision-switch.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder, rng } from '../helpers/graphs.js';
import { filesSqnrInOrt } from '../helpers/ort-compare.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mq-groups-'));
const ADDS = 24;
const WIDTH = 16;

/**
 * x[1,16] -> Mul by 0.375 -> 24 Adds of constants in a chain -> y, quantized pow2 with input_scale 64.
 * The Mul's output (within ±0.75: the data-free samples are clipped to ±127/64) rounds to the grid
 * 1/128, and so does every Add's output, whose range stays inside ±127/128; every constant is a multiple
 * of 1/128. So after the input's rounding (pow2 files take int8 inputs: it stays whatever is kept) the
 * Mul's output rounding is the one error: an int8 Add of on-grid values is exact, its output rounds to
 * itself. That rounding goes only with the Mul and every Add in float: an int8 Mul writes int8, an int8
 * Add reads int8, and an Add in float between int8 ones reads a rounded value and its sum is rounded
 * again to the same grid. No single op, no type of op alone and no block short of all of them changes
 * the output at all; the elementwise group (every Add and Mul) removes the Mul's rounding.
 */
function chainModel(file: string): void {
  const b = new GraphBuilder(11);
  const x = b.input('x', [1, WIDTH]);
  let h = b.node('Mul', [x, b.init('scale', Tensor.float32([WIDTH], new Array<number>(WIDTH).fill(0.375)))]);
  const random = rng(17);
  for (let i = 0; i < ADDS; i += 2) {
    // Pairs of opposite constants: the running sum stays within ±3/128 of the Mul's output.
    const c = Array.from({ length: WIDTH }, () => Math.round(6 * random() - 3) / 128);
    h = b.node('Add', [h, b.init(`c${i}`, Tensor.float32([WIDTH], c))]);
    h = b.node('Add', [
      h,
      b.init(
        `c${i + 1}`,
        Tensor.float32(
          [WIDTH],
          c.map((v) => -v),
        ),
      ),
    ]);
  }
  b.output(h);
  writeOnnxFile(b.model(), file);
}

function inputs(n: number, seed: number): Tensor[] {
  const random = rng(seed);
  return Array.from({ length: n }, () =>
    Tensor.float32(
      [1, WIDTH],
      Array.from({ length: WIDTH }, () => 3.8 * random() - 1.9),
    ),
  );
}

/** Output SQNR (dB) of a written .onnx against the float one, both in ONNX Runtime, on fresh inputs. */
function sqnrInOrt(floatFile: string, quantFile: string): Promise<number> {
  return filesSqnrInOrt(
    floatFile,
    quantFile,
    inputs(40, 5).map((x) => ({ x })),
  );
}

describe('mixed precision: groups of ops and the switched model', () => {
  const dir = tmp();
  const model = path.join(dir, 'chain.onnx');
  chainModel(model);
  const flags = { input: model, scheme: 'pow2', input_scale: '64', calib_samples: '32' };

  it('keeps every op in float where no shorter ranked prefix reaches the target, and the .onnx meets it in ORT', async () => {
    await quantizeModel(parseOptions({ ...flags, output: path.join(dir, 'plain') }));
    const plain = await sqnrInOrt(model, path.join(dir, 'plain', 'chain_quant.onnx'));
    const target = Math.round(plain + 3);
    const out = path.join(dir, 'mixed');
    const { report, markdown } = await quantizeModel(
      parseOptions({ ...flags, output: out, min_sqnr: String(target) }),
    );
    const m = report.mixedPrecision!;
    expect(m.met).toBe(true);
    // No op helps alone: the bisection over the ranked single ops (precision-bisect.ts) ends on the whole
    // list, every Mul and Add, the only set that meets the target, in about log2(ops) judgements.
    expect(m.bisections).toBeGreaterThan(0);
    expect(m.bisections).toBeLessThanOrEqual(Math.ceil(Math.log2(ADDS + 1)) + 1);
    expect(new Set(m.kept.flatMap((k) => k.members ?? [k.node])).size).toBe(ADDS + 1);
    expect(m.kept.every((k) => k.op === 'Add' || k.op === 'Mul')).toBe(true);
    expect(markdown).toContain(`Kept in float: ${ADDS + 1} of ${ADDS + 1} quantized ops: \`mul_0\` (Mul)`);
    expect(markdown).toMatch(
      /Search: [\d.]+ s \(CPU [\d.]+ s\), \d+ candidates judged \(\d+ as written files, the rest on one switched session\)/,
    );
    expect(m.verified!.sqnrDb).toBeGreaterThanOrEqual(target);
    expect(await sqnrInOrt(model, path.join(out, 'chain_quant.onnx'))).toBeGreaterThan(target - 1);
    // The .tflite was run in LiteRT by the pipeline: its figure gains as much.
    const tflite = report.outputs.find((o) => o.format === 'tflite')!;
    expect(Object.values(tflite.metrics!)[0]!.sqnrDb).toBeGreaterThan(target - 1);
  });

  it('runs the plain QDQ model with no switch on and the float model with every switch on', async () => {
    const b = new GraphBuilder(4);
    const x = b.input('x', [1, 3, 6, 6]);
    const pads = { kind: 'ints' as const, value: [1, 1, 1, 1] };
    const h = b.node('Relu', [
      b.node('Conv', [x, b.weight('w1', [4, 3, 3, 3]), b.weight('b1', [4])], { pads }),
    ]);
    b.output(b.node('Conv', [h, b.weight('w2', [2, 4, 3, 3]), b.weight('b2', [2])], { pads }));
    const float = b.model();
    const random = rng(3);
    const feeds = Array.from({ length: 8 }, () => ({
      x: Tensor.float32(
        [1, 3, 6, 6],
        Array.from({ length: 108 }, () => 2 * random() - 1),
      ),
    }));
    const source: SampleSource = {
      count: feeds.length,
      kind: 'data',
      async *samples() {
        yield* feeds;
      },
    };
    const q = await quantizeFloatModel(
      float,
      {
        scheme: 'affine',
        biasMode: 'B16',
        perChannel: true,
        calibMethod: 'minmax',
        percentile: 100,
        exclude: [],
      },
      source,
    );
    const nodes = q.model.graph.nodes.filter((n) => n.name).map((n) => n.name);
    const sw = await switchedModel(q.model, q.floatReference.graph, nodes);
    const qdq = await createOrtSession(exportOnnx(q.model).bytes, { graphOptimizationLevel: 'basic' });
    const ref = await createOrtSession(exportOnnx(float).bytes);
    try {
      for (const f of feeds) {
        const name = ref.outputNames[0]!;
        const none = (await sw.candidate([]).run(f))[name]!.data;
        const all = (await sw.candidate(nodes).run(f))[name]!.data;
        const plain = (await qdq.run(f))[name]!.toFloat32();
        const exact = (await ref.run(f))[name]!.toFloat32();
        expect(Array.from(none)).toEqual(Array.from(plain));
        all.forEach((v, i) => expect(v).toBeCloseTo(exact[i]!, 5));
        // Quantized, the output is not the float one (else the check above proves nothing).
        expect(plain.some((v, i) => Math.abs(v - exact[i]!) > 1e-3)).toBe(true);
      }
    } finally {
      await sw.close();
      await qdq.close();
      await ref.close();
    }
  });
});
